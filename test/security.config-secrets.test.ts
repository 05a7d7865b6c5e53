import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors.js';
import { parseConfig } from '../src/config/load.js';
import { runCli, writeConfig } from './helpers/bridge-process.js';

/**
 * A value read with `${file:…}` or `${VAR}` is a secret whatever the field that reads it: a
 * config that reads /etc/shadow into `server.listen`, a duration or a template must not print
 * the file in its validation error. Each hostile config below puts such a value where it is
 * invalid, for every kind of field, and the error is searched for the value, each of its lines
 * and every piece of it.
 */
const SHADOW = 'root:$y$j9T$Kx3pQ7vL2mN8$Ab0cDeFgHiJkLmNoPqRsTuVwXyZ12345678:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n';
const ENV_SECRET = 'hunter2-Correct-Horse-7f3a';
/** A secret that is a valid event type pattern, so that it reaches the event-type check. */
const TYPE_SECRET = 'finding.s3cret-9c1d7e';
/** Fewer characters of a secret in a row than this may appear by chance; more is a leak. */
const PIECE = 8;

const dir = mkdtempSync(join(tmpdir(), 's4e-config-secrets-'));
const SHADOW_FILE = join(dir, 'shadow');
writeFileSync(SHADOW_FILE, SHADOW);
const FILE = `\${file:${SHADOW_FILE}}`;
const env = { ENV_SECRET, TYPE_SECRET };

const valid = `source:
  base_url: https://api.s4e.io
  api_key: sk-test-12345678
connectors:
  splunk:
    type: splunk_hec
    url: https://splunk.example.com:8088
    token: hec-token-12345678
  siem:
    type: cef_syslog
    host: siem.example.com
routes:
  - name: all
    to: [splunk]
`;

/** [field kind, config]: each puts a secret where it is invalid. */
const hostile: [string, string][] = [
  ['duration', valid.replace('  api_key:', `  heartbeat_timeout: ${FILE}\n  api_key:`)],
  ['listen address', `${valid}server: { listen: "${FILE}" }\n`],
  ['enum', valid.replace('  api_key:', `  auth: "${FILE}"\n  api_key:`)],
  ['enum, from the environment', `${valid}log: { level: "\${ENV_SECRET}" }\n`],
  ['URL', valid.replace('https://api.s4e.io', FILE)],
  ['number', `${valid}backfill: { retries: "${FILE}" }\n`],
  ['true/false', `${valid}backfill: { enabled: "${FILE}" }\n`],
  ['size or count', `${valid}store: { max_backlog: "${FILE}" }\n`],
  ['string with a pattern', `${valid}store: { key_prefix: "${FILE}" }\n`],
  ['name', valid.replace('- name: all', `- name: "${FILE}"`)],
  ['time', valid.replace('    to: [splunk]', `    drop: true\n    until: "${FILE}"`)],
  ['severity', `${valid}severity_defaults: { scan.failed: "${FILE}" }\n`],
  ['event type', valid.replace('    to: [splunk]', '    to: [splunk]\n    match: { events: "${TYPE_SECRET}" }')],
  ['event type, as a mapping key', `${valid}severity_defaults:\n  \${TYPE_SECRET}: low\n`],
  ['regex', valid.replace('    to: [splunk]', `    to: [splunk]\n    match: { where: { data.title: { regex: "(${FILE}" } } }`)],
  ['connector reference', valid.replace('to: [splunk]', 'to: [splunk, "${ENV_SECRET}"]')],
  ['template', valid.replace('    token: hec-token-12345678', `    token: hec-token-12345678\n    index: "{{${FILE}"`)],
  ['connector duration', valid.replace('    token: hec-token-12345678', `    token: hec-token-12345678\n    batch: { max_delay: "${FILE}" }`)],
  ['connector size', valid.replace('    token: hec-token-12345678', `    token: hec-token-12345678\n    batch: { max_bytes: "${FILE}" }`)],
  ['connector enum', valid.replace('    host: siem.example.com', `    host: siem.example.com\n    transport: "${FILE}"`)],
  ['connector name or number', valid.replace('    host: siem.example.com', `    host: siem.example.com\n    facility: "${FILE}"`)],
  ['host name', valid.replace('    host: siem.example.com', `    host: siem.example.com\n    hostname: "${FILE}"`)],
  ['webhook URL', valid.replace('  siem:', `  chat:\n    type: slack\n    webhook_url: "${FILE}"\n  siem:`)],
  ['unknown key', valid.replace('    host: siem.example.com', '    host: siem.example.com\n    ${TYPE_SECRET}: 1')],
  ['test event type', `${valid}tests:\n  - name: t\n    event: { type: "\${ENV_SECRET}" }\n    expect: { routes: [all] }\n`],
];

function leaks(text: string): string[] {
  const secrets = [SHADOW, ENV_SECRET, TYPE_SECRET];
  const pieces = secrets.flatMap((s) => Array.from({ length: Math.max(0, s.length - PIECE + 1) }, (_, i) => s.slice(i, i + PIECE)));
  return [...new Set(pieces.filter((piece) => !piece.includes('\n') && text.includes(piece)))];
}

function errorOf(yaml: string): ConfigError {
  try {
    parseConfig(yaml, 'bridge.yaml', env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected the config to be rejected');
}

describe('values from ${file:} and ${VAR} in errors', () => {
  it.each(hostile)('a secret in a %s field is masked in the error, which still names the field', (_kind, yaml) => {
    const error = errorOf(yaml);
    expect(leaks(error.message)).toEqual([]);
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues) expect(issue.path).not.toBe('');
  });

  it('says where a masked value came from, and keeps what the field expects', () => {
    const [issue] = errorOf(valid.replace('  api_key:', `  heartbeat_timeout: ${FILE}\n  api_key:`)).issues;
    expect(issue).toMatchObject({ path: 'source.heartbeat_timeout', line: 3 });
    expect(issue!.message).toBe(`"[REDACTED]" is not a duration: use a number with a unit, e.g. 500ms, 90s, 5m, 1h (the value of ${FILE}, not shown)`);
  });

  it('masks them in what `validate` prints of a valid config', async () => {
    const yaml = valid.replace('    to: [splunk]', '    to: [splunk]\n    match: { where: { data.title: { glob: "*${ENV_SECRET}*" } } }');
    const cli = runCli(['validate', '--config', writeConfig(yaml)], { ENV_SECRET });
    expect(await cli.exited).toBe(0);
    expect(cli.output.join('\n')).toContain('data.title glob "*[REDACTED]*"');
    expect(leaks(cli.output.join('\n'))).toEqual([]);
  });

  it('masks them in what `validate` prints, and in the error of a start that fails on one', async () => {
    const listenFile = join(dir, 'listen');
    writeFileSync(listenFile, '192.0.2.77:9464\n'); // TEST-NET-1: no interface here has it, so the bind fails
    const validate = runCli(['validate', '--config', writeConfig(`${valid}server: { listen: "${FILE}" }\n`)]);
    expect(await validate.exited).toBe(2);
    expect(validate.output.join('\n')).toContain('server.listen');
    expect(leaks(validate.output.join('\n'))).toEqual([]);

    const run = runCli(['run', '--config', writeConfig(`${valid}store: { path: ${join(dir, 'data')} }\nserver: { listen: "\${file:${listenFile}}" }\n`)]);
    expect(await run.exited).toBe(1);
    const output = run.output.join('\n');
    expect(output).toMatch(/cannot listen on \[REDACTED\]/);
    expect(output).not.toContain('192.0.2.77');
  });
});
