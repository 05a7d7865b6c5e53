import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEventInput, testRouteCommand, type RouteReport } from '../src/cli/commands/test-route.js';
import { rulesYaml } from './pipeline.helpers.js';

const dir = mkdtempSync(join(tmpdir(), 's4e-test-route-'));
const config = join(dir, 'bridge.yaml');
// No S4E_API_KEY or HEC_TOKEN in the environment: test-route needs no secrets.
writeFileSync(
  config,
  rulesYaml(`    sourcetype: "s4e:{{type}}"
    index: "soc-{{severity}}"
severity_rules:
  - name: prod-up
    when: { events: finding.*, asset_name: "*.prod.example.com" }
    raise: 1
routes:
  - name: siem
    to: [splunk]
  - name: page-prod
    match: { min_severity: critical, where: { data.cvss: { ">=": 9 } } }
    to: [soc]
    dedupe: { key: "{{data.finding_id}}", window: 1h }
    continue: false
  - name: rest
    to: [soc]
`),
);

function eventFile(text: string): string {
  const file = join(dir, `event-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return file;
}

// Criticals page the SOC as they are reported; nothing routes their status changes there.
const pageOnNew = join(dir, 'page-on-new.yaml');
writeFileSync(
  pageOnNew,
  rulesYaml(`routes:
  - name: siem
    to: [splunk]
  - name: page
    match: { events: finding.new, min_severity: critical }
    to: [soc]
`),
);

async function run(event: string, json = false, file = config): Promise<string> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  await testRouteCommand({ config: file, event: eventFile(event), json });
  return log.mock.calls.map((args) => args.join(' ')).join('\n');
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const critical = JSON.stringify({ type: 'finding.new', id: 'e-7', data: { finding_id: 'f-7', severity: 'high', cvss: 9.8, asset: { name: 'api.prod.example.com' } } });

describe('s4e-bridge test-route', () => {
  it('shows the severity and its rule, each route matched or why not, and what each connector would send', async () => {
    const out = await run(critical);
    expect(out).toContain('severity  critical (was high); rules fired: prod-up');
    expect(out).toMatch(/siem +matched +events: \* -> splunk/);
    expect(out).toMatch(/page-prod +matched +events: \*; min_severity: critical; data.cvss >= 9 -> soc \(continue: false\) \(dedupe \{\{data.finding_id\}\} per 1h\) — dedupe key "f-7"/);
    expect(out).toMatch(/rest +not evaluated \(page-prod stopped the evaluation\)/);
    expect(out).toContain('  soc (splunk_hec)');
    expect(out).toContain('"sourcetype": "s4e:finding.new"');
    expect(out).toContain('"index": "soc-critical"');
  });

  it('names the first condition a route failed, as --json for scripts', async () => {
    const report = JSON.parse(await run(JSON.stringify({ type: 'finding.new', data: { severity: 'critical', cvss: 5 } }), true)) as RouteReport;
    expect(report.severity).toEqual({ value: 'critical', rulesFired: [], known: true });
    expect(report.routes.map((r) => [r.name, r.status, r.failed])).toEqual([
      ['siem', 'matched', undefined],
      ['page-prod', 'not matched', 'data.cvss >= 9'],
      ['rest', 'matched', undefined],
    ]);
    expect(report.connectors.map((c) => c.name)).toEqual(['splunk', 'soc']);
    expect(report.connectors[1]!.payload).toMatchObject({ sourcetype: 's4e:finding.new', index: 'soc-critical', event: { type: 'finding.new', severity: 'critical' } });
  });

  it('reads raw SSE as the platform streams it: each block with data is an event', () => {
    const wire = parseEventInput('id: e-9\nevent: scan.failed\ndata: {"scan_id":\ndata: "s-1"}\n\nevent: ignored\n\n: comment\nevent: scan.created\ndata: {}', 5);
    expect(wire).toEqual([
      { id: 'e-9', type: 'scan.failed', data: '{"scan_id":\n"s-1"}', receivedAt: 5 },
      { id: 'test-route-2', type: 'scan.created', data: '{}', receivedAt: 5 },
    ]);
  });

  it('tells a status change after its finding.new as run would: enriched, and sent where the finding went', async () => {
    const stream = `event: finding.new
id: evt-8a3b9c2d
data: {"finding_id":"f-91827","title":"SQL Injection","severity":"critical","cvss":9.8,"asset":{"id":"a-1001","name":"api.prod.example.com"}}

event: finding.status_changed
id: evt-8a3b9c2e
data: {"finding_id":"f-91827","old_status":"open","new_status":"resolved"}
`;
    const [created, changed] = JSON.parse(await run(stream, true, pageOnNew)) as RouteReport[];
    expect(created!.connectors.map((c) => [c.name, c.via])).toEqual([
      ['splunk', 'event'],
      ['soc', 'event'],
    ]);
    expect(changed!.event).toEqual({ id: 'evt-8a3b9c2e', type: 'finding.status_changed', enriched: true });
    expect(changed!.severity).toMatchObject({ value: 'critical' });
    expect(changed!.routes.find((r) => r.name === 'page')).toMatchObject({ status: 'not matched', failed: 'events: finding.new' });
    expect(changed!.connectors.map((c) => [c.name, c.via])).toEqual([
      ['splunk', 'event'],
      ['soc', 'follows'],
    ]);
    expect(await run(stream, false, pageOnNew)).toContain('  soc (splunk_hec, following the finding it received)');
    const text = await run(stream.split('\n\n')[1]!);
    expect(text).toContain('finding   not named by an event before it: delivered as it came (enriched: false)');
    expect(text).toContain('severity  (none)');
  });

  it('refuses an event it cannot read', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    await run('{"data": {}}');
    expect(errors.mock.calls[0]?.[0]).toContain('the event needs a "type"');
    expect(process.exitCode).toBe(2);
  });
});
