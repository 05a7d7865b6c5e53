import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { schemaText } from '../src/cli/commands/schema.js';
import { ConfigError } from '../src/config/errors.js';
import { parseConfig } from '../src/config/load.js';
import { demoConfig } from '../src/demo/config.js';
import type { DemoReceivers } from '../src/demo/receivers.js';
import { runCli } from './helpers/bridge-process.js';

/**
 * The config's JSON Schema is generated from the loader's own zod schemas, so an editor checks
 * the YAML as `validate` would: checked here with a real JSON Schema validator (Ajv, draft
 * 2020-12, strict), on the configs the project ships and on mistakes the loader refuses too.
 */
const ROOT = join(import.meta.dirname, '..');
const FILE = join(ROOT, 'schema/config.schema.json');
const EXAMPLE = join(ROOT, 'config.example.yaml');

// Union types (`type: [string, number]`) are standard; Ajv's strict mode only dislikes their style.
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(FILE, 'utf8')));

function errorsOf(yaml: string): string[] {
  return validate(parse(yaml)) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`);
}

const base = `source:
  base_url: https://api.s4e.io
  api_key: \${S4E_API_KEY}
connectors:
  siem: { type: cef_syslog, host: siem.example.com, transport: tls }
  jira: { type: jira, deployment: cloud, url: "https://example.atlassian.net", email: bot@example.com, api_token: "\${JIRA_API_TOKEN}", project: SEC }
routes:
  - name: all
    match: { events: finding.*, where: { data.cvss: { ">=": 7 }, data.status: [open, reopened] } }
    to: [siem, jira]
`;

describe('the config JSON Schema', () => {
  it('is what `s4e-bridge schema` prints, from the loader\'s schemas (after changing them: npm run schema)', async () => {
    expect(readFileSync(FILE, 'utf8')).toBe(schemaText());
    const cli = runCli(['schema']);
    expect(await cli.exited).toBe(0);
    expect(JSON.parse(cli.output.join('\n'))).toEqual(JSON.parse(schemaText()));
  });

  it('is named by config.example.yaml for yaml-language-server, by a path that exists', () => {
    const first = readFileSync(EXAMPLE, 'utf8').split('\n')[0]!;
    const path = /^# yaml-language-server: \$schema=(\S+)$/.exec(first)?.[1];
    expect(path).toBeDefined();
    expect(resolve(dirname(EXAMPLE), path!)).toBe(FILE);
  });

  it('takes the configs the project ships: the example, the demo\'s, and each connector form', () => {
    expect(errorsOf(readFileSync(EXAMPLE, 'utf8'))).toEqual([]);
    const receivers: DemoReceivers = { hecUrl: 'http://127.0.0.1:1', syslogPort: 2, slackUrl: 'http://127.0.0.1:3/hook', jiraUrl: 'http://127.0.0.1:4', counts: () => [], jiraIssues: () => [], close: async () => {} };
    expect(errorsOf(demoConfig('http://127.0.0.1:5', receivers, { path: '.demo/data' }))).toEqual([]);
    expect(errorsOf(base)).toEqual([]);
  });

  it('takes a ${VAR} or ${file:} reference where a value has a shape, since the loader resolves it first', () => {
    const referenced = base.replace('https://api.s4e.io', '${S4E_URL}').replace('  api_key:', '  tier: "${S4E_TIER}"\n  heartbeat_timeout: ${file:/run/secrets/hb}\n  api_key:');
    expect(errorsOf(referenced)).toEqual([]);
  });

  it.each([
    ['an unknown key', base.replace('transport: tls', 'transprt: tls'), 'must NOT have additional properties'],
    ['a word for a number', base.replace('transport: tls', 'port: fifteen'), '/connectors/siem/port must be integer'],
    ['a duration without its unit', `${base}server: { shutdown_grace: 10 }\n`, '/server/shutdown_grace'],
    ['a duration in words', `${base}backfill: { delay: soon }\n`, '/backfill/delay must match pattern'],
    ['a value outside the choices', base.replace('transport: tls', 'transport: tpc'), 'must be equal to one of the allowed values'],
    ['a missing credential', base.replace(', api_token: "${JIRA_API_TOKEN}"', ''), "must have required property 'api_token'"],
    ['an unknown connector type', base.replace('type: cef_syslog', 'type: splunk'), '/connectors/siem must match exactly one schema in oneOf'],
    ['a bare string for a list', base.replace('to: [siem, jira]', 'to: siem'), '/routes/0/to must be array'],
  ])('refuses %s, as the loader does', (_what, yaml, expected) => {
    expect(errorsOf(yaml).join('\n')).toContain(expected);
    expect(() => parseConfig(yaml, 'bridge.yaml', { S4E_API_KEY: 'sk-test-12345678', JIRA_API_TOKEN: 'jira-token-1234' })).toThrow(ConfigError);
  });
});
