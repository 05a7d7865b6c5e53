import { ConfigError, type ConfigIssue } from '../src/config/errors.js';
import { parseConfig, type BridgeConfig } from '../src/config/load.js';
import { decodeEvent } from '../src/pipeline/decode.js';
import type { Envelope } from '../src/pipeline/envelope.js';

const env = { S4E_API_KEY: 'sk-test', HEC_TOKEN: 'hec-test' };

/** A valid config around the given rules sections (YAML at top level). */
export function rulesYaml(sections: string): string {
  return `source:
  base_url: https://app.s4e.io
  api_key: \${S4E_API_KEY}
subscriptions:
  - name: all
connectors:
  splunk:
    type: splunk_hec
    url: https://splunk.example.com:8088
    token: \${HEC_TOKEN}
  soc:
    type: splunk_hec
    url: https://soc.example.com:8088
    token: \${HEC_TOKEN}
${sections}`;
}

export function loadRules(sections: string): BridgeConfig {
  return parseConfig(rulesYaml(sections), 'rules.yaml', env);
}

/** The issues a config with these sections is refused with. */
export function rulesIssues(sections: string): ConfigIssue[] {
  try {
    loadRules(sections);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('expected the config to be refused');
}

/** An event as decode makes it from the wire. */
export function event(type: string, data: Record<string, unknown> = {}, id = 'evt-1'): Envelope {
  const decoded = decodeEvent({ id, type, data: JSON.stringify(data), receivedAt: Date.parse('2026-04-28T12:00:00Z') }, 'all');
  if (!decoded.ok) throw new Error(decoded.malformed.reason);
  return decoded.envelope;
}
