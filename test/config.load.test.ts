import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors.js';
import { loadConfig, parseConfig } from '../src/config/load.js';

const env = { S4E_API_KEY: 'sk-live-123456', SPLUNK_HEC_TOKEN: 'hec-token-abcdef' };

const valid = `source:
  base_url: https://api.s4e.io
  api_key: \${S4E_API_KEY}
  heartbeat_timeout: 90s
subscriptions:
  - name: findings
    events: [finding.new, finding.status_changed]
connectors:
  splunk:
    type: splunk_hec
    url: https://splunk.example.com:8088
    token: \${SPLUNK_HEC_TOKEN}
    index: s4e
    batch: { max_events: 100, max_delay: 500ms }
routes:
  - name: everything-to-splunk
    match: { events: ["*"] }
    to: [splunk]
`;

function issuesOf(text: string, vars: NodeJS.ProcessEnv = env) {
  try {
    parseConfig(text, 'bridge.yaml', vars);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

describe('config loading', () => {
  it('turns a valid file into typed values with durations in ms and connector defaults', () => {
    const config = parseConfig(valid, 'bridge.yaml', env);
    expect(config.source).toMatchObject({ baseUrl: 'https://api.s4e.io', apiKey: 'sk-live-123456', auth: 'header', maxConnections: 5, heartbeatTimeoutMs: 90_000 });
    expect(config.connectors[0]).toMatchObject({ name: 'splunk', type: 'splunk_hec', batch: { maxEvents: 100, maxDelayMs: 500 } });
    expect(config.routes[0]!.match.label).toBe('events: *');
    expect(config.secrets).toEqual(expect.arrayContaining(['sk-live-123456', 'hec-token-abcdef']));
  });

  it('names the path and line of a wrong value', () => {
    const issues = issuesOf(valid.replace('heartbeat_timeout: 90s', 'heartbeat_timeout: soon'));
    expect(issues).toEqual([expect.objectContaining({ path: 'source.heartbeat_timeout', line: 4, message: expect.stringContaining('not a duration') })]);
  });

  it('rejects an unknown key at its own line, also inside a connector', () => {
    const issues = issuesOf(valid.replace('    index: s4e', '    indx: s4e'));
    expect(issues).toEqual([expect.objectContaining({ path: 'connectors.splunk.indx', line: 13, column: 5, message: 'unknown key "indx"; did you mean "index"?' })]);
    expect(issuesOf(valid.replace('  heartbeat_timeout', '  heartbeet_timeout'))[0]).toMatchObject({ path: 'source.heartbeet_timeout', line: 4 });
  });

  it('names a missing environment variable without guessing its value', () => {
    const issues = issuesOf(valid, { S4E_API_KEY: 'x-key-long' });
    expect(issues).toEqual([expect.objectContaining({ path: 'connectors.splunk.token', line: 12, message: 'environment variable SPLUNK_HEC_TOKEN is not set' })]);
  });

  it('reads ${file:…} secrets and keeps $${ literal', () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-config-'));
    writeFileSync(join(dir, 'token'), 'file-token-xyz\n');
    const config = parseConfig(
      valid.replace('${SPLUNK_HEC_TOKEN}', `\${file:${join(dir, 'token')}}`).replace('index: s4e', () => 'index: "$${literal}"'),
      'bridge.yaml',
      env,
    );
    expect(config.connectors[0]!.options).toMatchObject({ token: 'file-token-xyz', index: expect.objectContaining({ source: '${literal}' }) });
    expect(config.secrets).toContain('file-token-xyz');
    expect(issuesOf(valid.replace('${SPLUNK_HEC_TOKEN}', '${file:/nonexistent/token}'))[0]!.message).toContain('cannot read ${file:/nonexistent/token}: ENOENT');
  });

  it('rejects a route to a connector that does not exist', () => {
    const issues = issuesOf(valid.replace('to: [splunk]', 'to: [splunk, slack]'));
    expect(issues).toEqual([expect.objectContaining({ path: 'routes[0].to[1]', line: 18, message: expect.stringContaining('no connector named "slack"') })]);
  });

  it('refuses more subscriptions than the tier allows', () => {
    const many = Array.from({ length: 6 }, (_, i) => `  - name: s${i}\n    events: [finding.new]\n`).join('');
    const text = valid.replace(/subscriptions:\n(?:  .*\n)+?(?=connectors:)/, `subscriptions:\n${many}`);
    const issues = issuesOf(text);
    expect(issues).toEqual([expect.objectContaining({ path: 'subscriptions', message: expect.stringContaining('the standard tier allows 5') })]);
    expect(() => parseConfig(text.replace('  heartbeat_timeout: 90s', '  tier: premium'), 'bridge.yaml', env)).not.toThrow();
  });

  it('reports the first YAML syntax error alone, with its line and column, not its follow-on errors', () => {
    const broken = valid.replace('    batch: { max_events: 100, max_delay: 500ms }', '    batch: { max_events: 100, max_delay: 500ms').replace('match: { events: ["*"] }', 'match: { events: ["*" }');
    let error: ConfigError | undefined;
    try {
      parseConfig(broken, 'bridge.yaml', env);
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.issues).toEqual([{ path: '', line: 15, column: 1, message: expect.stringMatching(/^YAML syntax: Flow map .* end with a \}$/) }]);
    expect(error?.message).toBe(`bridge.yaml: 1 problem\n  line 15:1: ${error?.issues[0]!.message}`);
  });

  it('says which type a value should have when it has another, and "required" only when it is missing', () => {
    const text = valid
      .replace('  heartbeat_timeout: 90s', '  heartbeat_timeout: 90\n  tier: premum')
      .replace('to: [splunk]', 'to: splunk')
      .replace('routes:', 'severity_rules:\n  - name: lab\n    lower: one\nroutes:');
    expect(issuesOf(text).map((i) => [i.path, i.message])).toEqual([
      ['source.heartbeat_timeout', 'expected a duration with its unit, e.g. 90s or 500ms, got 90'],
      ['source.tier', 'expected one of "standard", "premium", "enterprise", got "premum"; did you mean "premium"?'],
      ['severity_rules[0].lower', 'expected a number, got a string'],
      ['routes[0].to', 'expected a list, got a string'],
    ]);
    expect(issuesOf(valid.replace('    index: s4e', '    index: s4e\n    gzip: "yes"'))).toEqual([
      expect.objectContaining({ path: 'connectors.splunk.gzip', message: 'expected true or false, got a string' }),
    ]);
    expect(issuesOf(valid.replace('  api_key: ${S4E_API_KEY}\n', ''))).toEqual([expect.objectContaining({ path: 'source.api_key', message: 'required' })]);
  });

  it('names the key meant for an unknown one, a connector\'s shared keys included', () => {
    expect(issuesOf(valid.replace('    batch:', '    bach:'))).toEqual([
      expect.objectContaining({ path: 'connectors.splunk.bach', message: 'unknown key "bach"; did you mean "batch"?' }),
    ]);
    expect(issuesOf(valid.replace('routes:', 'routs:'))).toEqual([
      expect.objectContaining({ path: 'routes', message: 'required' }),
      expect.objectContaining({ path: 'routs', line: 15, message: 'unknown key "routs"; did you mean "routes"?' }),
    ]);
  });

  it('refuses an unknown connector type and lists the known ones', () => {
    expect(issuesOf(valid.replace('type: splunk_hec', 'type: splank'))[0]).toMatchObject({ path: 'connectors.splunk.type', message: expect.stringContaining('known: splunk_hec') });
  });

  it('bounds YAML alias expansion', () => {
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`;
    expect(issuesOf(bomb)[0]!.message).toMatch(/alias/i);
  });

  it('refuses a file larger than a config can be, and names an unreadable one', () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-config-'));
    writeFileSync(join(dir, 'big.yaml'), `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    expect(() => loadConfig(join(dir, 'big.yaml'), env)).toThrow(/at most/);
    expect(() => loadConfig(join(dir, 'missing.yaml'), env)).toThrow(/ENOENT/);
  });
});

describe('the operations endpoint (server)', () => {
  it('listens on loopback by default, with no token, 64 connections and /healthz failing after 10 min without a stream', () => {
    expect(parseConfig(valid, 'bridge.yaml', env).server).toEqual({
      enabled: true,
      listen: { host: '127.0.0.1', port: 9464 },
      token: undefined,
      maxConnections: 64,
      shutdownGraceMs: 10_000,
      unhealthyAfterMs: 600_000,
    });
  });

  it('treats server.token as a secret, and refuses a short one', () => {
    const config = parseConfig(`${valid}server:\n  token: ops-token-0123456789abcdef\n`, 'bridge.yaml', env);
    expect(config.server.token).toBe('ops-token-0123456789abcdef');
    expect(config.secrets).toContain('ops-token-0123456789abcdef');
    expect(issuesOf(`${valid}server:\n  token: short\n`)).toEqual([expect.objectContaining({ path: 'server.token', message: expect.stringContaining('at least 16 characters') })]);
  });
});
