import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testCommand } from '../src/cli/commands/test.js';
import { rulesIssues, rulesYaml } from './pipeline.helpers.js';

const RULES = `severity_defaults: { scan.failed: medium }
severity_rules:
  - name: prod-up
    when: { asset_name: "*.prod.example.com" }
    raise: 1
routes:
  - name: silence-lab
    match: { asset_name: "*.lab.example.com" }
    drop: true
  - name: siem
    to: [splunk]
  - name: platform
    match: { events: scan.failed, min_severity: medium }
    to: [soc]
`;

function runTests(tests: string): { out: string; exitCode: typeof process.exitCode } {
  const file = join(mkdtempSync(join(tmpdir(), 's4e-rule-tests-')), 'bridge.yaml');
  writeFileSync(file, rulesYaml(RULES + tests));
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  testCommand({ config: file });
  return { out: log.mock.calls.map((args) => args.join(' ')).join('\n'), exitCode: process.exitCode };
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('s4e-bridge test', () => {
  it('passes when every expectation holds', () => {
    const { out, exitCode } = runTests(`tests:
  - name: a prod scan failure reaches the platform team, raised
    event: { type: scan.failed, data: { asset: { name: db.prod.example.com } } }
    expect: { severity: high, routes: [siem, platform] }
  - name: the lab is silenced
    event: { type: scan.failed, data: { asset: { name: x.lab.example.com } } }
    expect: { routes: [silence-lab], not_routes: [siem, platform] }
`);
    expect(out).toContain('rule tests: 2 passed, 0 failed');
    expect(exitCode).toBeUndefined();
  });

  it('fails, exiting 1, naming each expectation that did not hold', () => {
    const { out, exitCode } = runTests(`tests:
  - name: wrong on purpose
    event: { type: scan.failed, data: { asset: { name: x.lab.example.com } } }
    expect: { severity: critical, routes: [platform], not_routes: [silence-lab] }
`);
    expect(out).toContain('FAIL  wrong on purpose');
    expect(out).toContain('severity is medium (no rule fired), expected critical');
    expect(out).toContain('route platform did not match: silence-lab stopped the evaluation');
    expect(out).toContain('route silence-lab matched, expected it not to');
    expect(out).toContain('rule tests: 0 passed, 1 failed');
    expect(exitCode).toBe(1);
  });

  it('tells a status change with the finding an after: event reported, and checks the connectors it reaches', () => {
    const rules = RULES.replace('routes:', 'routes:\n  - name: page\n    match: { events: finding.new, min_severity: critical }\n    to: [soc]');
    const file = join(mkdtempSync(join(tmpdir(), 's4e-rule-tests-')), 'bridge.yaml');
    writeFileSync(
      file,
      rulesYaml(`${rules}tests:
  - name: a resolution follows the finding to the SOC
    after: { type: finding.new, data: { finding_id: f-1, title: SQLi, severity: high, asset: { name: db.prod.example.com } } }
    event: { type: finding.status_changed, data: { finding_id: f-1, old_status: open, new_status: resolved } }
    expect: { severity: critical, routes: [siem], not_routes: [page], connectors: [splunk, soc] }
  - name: without the finding it reaches the SIEM only
    event: { type: finding.status_changed, data: { finding_id: f-1, old_status: open, new_status: resolved } }
    expect: { connectors: [soc], not_connectors: [splunk] }
`),
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    testCommand({ config: file });
    const out = log.mock.calls.map((args) => args.join(' ')).join('\n');
    expect(out).toContain('ok    a resolution follows the finding to the SOC');
    expect(out).toContain('FAIL  without the finding it reaches the SIEM only');
    expect(out).toContain('connector soc is not reached');
    expect(out).toContain('connector splunk is reached, expected it not to be');
  });

  it('refuses a test that names a route or a connector that does not exist', () => {
    expect(
      rulesIssues(`${RULES}tests:
  - name: typo
    event: { type: scan.failed }
    expect: { connectors: [jria] }
`),
    ).toEqual([expect.objectContaining({ path: 'tests[0].expect.connectors[0]', message: 'no connector named "jria"' })]);
  });

  it('refuses a test that names a route that does not exist', () => {
    const issues = rulesIssues(`${RULES}tests:
  - name: typo
    event: { type: scan.failed }
    expect: { routes: [platfrom] }
`);
    expect(issues).toEqual([expect.objectContaining({ path: 'tests[0].expect.routes[0]', line: 32, message: 'no route named "platfrom"' })]);
  });
});
