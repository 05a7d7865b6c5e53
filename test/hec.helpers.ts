import { MemoryState } from './helpers/memory-state.js';
import { pino, type Logger } from 'pino';
import type { Connector } from '../connectors/types.js';
import { splunkHecOptions, splunkHecPlugin } from '../connectors/splunk-hec/index.js';
import type { Envelope } from '../src/pipeline/envelope.js';

export const HEC_TOKEN = 'hec-token-3f9c1a7e-5b2d-4e8f-9a61-c0ffee000001';

export function envelope(n: number, overrides: Partial<Envelope> = {}): Envelope {
  return {
    id: `evt-${n}`,
    type: 'finding.new',
    severity: 'high',
    asset: { id: `asset-${n}`, name: `host-${n}.example.com` },
    subscription: 'findings',
    receivedAt: 1_714_564_800_123 + n,
    data: { title: `Finding ${n}`, cve: 'CVE-2024-3094', tags: ['ssh', 'xz'] },
    ...overrides,
  };
}

export function envelopes(count: number): Envelope[] {
  return Array.from({ length: count }, (_, i) => envelope(i));
}

/** A logger that keeps its lines, unredacted: what the connector itself lets through. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

/** A splunk_hec connector built the way the bridge builds one: raw config through the schema. */
export function createHecConnector(
  config: Record<string, unknown>,
  options: { logger?: Logger; maxBytes?: number } = {},
): Connector {
  const batch = { ...splunkHecPlugin.batchDefaults, ...(options.maxBytes !== undefined && { maxBytes: options.maxBytes }) };
  const logger = options.logger ?? pino({ level: 'silent' });
  return splunkHecPlugin.create(splunkHecOptions.parse({ token: HEC_TOKEN, ...config }), { name: 'splunk', logger, batch, state: new MemoryState() });
}

export const neverAborts = new AbortController().signal;
