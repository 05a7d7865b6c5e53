import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../src/pipeline/severity.js';
import { EVENT_TYPES } from '../src/simulator/index.js';
import { EventGenerator } from '../src/simulator/generator.js';
import { createRandom } from '../src/simulator/random.js';
import { connect, simulatorPerTest, sleep, streamUrl } from './simulator.helpers.js';

const start = simulatorPerTest();
const TIMESTAMP = '2026-04-28T12:00:00.000Z';

/** The doc's data fields per type ("Event Types"), with its examples' extras (finding.new's asset, scan.completed's asset_id and status). */
const DOCUMENTED_FIELDS: Record<string, string[]> = {
  'scan.created': ['scan_id', 'asset_id', 'scan_type'],
  'scan.progress': ['scan_id', 'progress', 'phase'],
  'scan.completed': ['scan_id', 'asset_id', 'status', 'finding_count', 'duration'],
  'scan.failed': ['scan_id', 'error'],
  'finding.new': ['finding_id', 'title', 'severity', 'asset'],
  'finding.status_changed': ['finding_id', 'old_status', 'new_status'],
  'action.triggered': ['action_id', 'execution_id'],
  'action.completed': ['action_id', 'execution_id', 'status'],
  'playbook.started': ['playbook_id', 'execution_id'],
  'playbook.completed': ['playbook_id', 'execution_id'],
  'system.alert': ['alert_type', 'message'],
};

describe('simulator event generation', () => {
  it('generates the 11 documented types, each with exactly its documented fields', () => {
    const generator = new EventGenerator(createRandom(1));
    expect([...EVENT_TYPES].sort()).toEqual(Object.keys(DOCUMENTED_FIELDS).sort());
    for (const type of EVENT_TYPES) {
      for (const { data } of generator.batch(50, TIMESTAMP, type)) expect(Object.keys(data).sort()).toEqual(DOCUMENTED_FIELDS[type]!.toSorted());
    }
  });

  it('adds fields beyond the document only with assumedFields: a timestamp on every event, more on findings', () => {
    const generator = new EventGenerator(createRandom(1), EVENT_TYPES, { assumedFields: true });
    for (const type of EVENT_TYPES) {
      for (const { data } of generator.batch(20, TIMESTAMP, type)) {
        expect(Object.keys(data)).toEqual(expect.arrayContaining([...DOCUMENTED_FIELDS[type]!, 'timestamp']));
        expect(data.timestamp).toBe(TIMESTAMP);
      }
    }
    const [alert] = generator.batch(1, TIMESTAMP, 'system.alert');
    expect(SEVERITIES).toContain(alert!.data.severity);
  });

  it('gives findings an asset, and with assumedFields a scan, CVSS in their severity band, a URL and sometimes a CVE', () => {
    const findings = new EventGenerator(createRandom(2), EVENT_TYPES, { assumedFields: true }).batch(2_000, TIMESTAMP, 'finding.new').map((event) => event.data);
    const bands = { info: [0, 0], low: [0.1, 3.9], medium: [4, 6.9], high: [7, 8.9], critical: [9, 10] };
    for (const finding of findings) {
      const asset = finding.asset as { id: string; name: string };
      expect(finding.asset_id).toBe(asset.id);
      expect(finding.scan_id).toMatch(/^sc-\d+$/);
      expect(finding.url).toMatch(new RegExp(`^https://${asset.name.replaceAll('.', '\\.')}/`));
      const [min, max] = bands[finding.severity as keyof typeof bands];
      expect(finding.cvss).toBeGreaterThanOrEqual(min!);
      expect(finding.cvss).toBeLessThanOrEqual(max!);
    }
    expect(findings.some((finding) => typeof finding.cve === 'string')).toBe(true);
    expect(findings.some((finding) => finding.cve === undefined)).toBe(true);
  });

  it('changes the status of findings it reported, each from the status its last change left', () => {
    const events = new EventGenerator(createRandom(5), ['finding.new', 'finding.status_changed']).batch(3_000, TIMESTAMP);
    const status = new Map<string, string>();
    let changes = 0;
    for (const { type, data } of events) {
      const id = data.finding_id as string;
      if (type === 'finding.new') {
        status.set(id, 'open');
        continue;
      }
      changes += 1;
      expect(status.get(id)).toBe(data.old_status);
      expect(data.new_status).not.toBe(data.old_status);
      status.set(id, data.new_status as string);
    }
    expect(changes).toBeGreaterThan(500);
    expect([...status.values()]).toEqual(expect.arrayContaining(['resolved', 'false_positive', 'in_progress', 'reopened']));
  });

  it('repeats a finding’s fields on its status changes only with assumedFields', () => {
    const documented = new EventGenerator(createRandom(6), ['finding.new', 'finding.status_changed']).batch(200, TIMESTAMP);
    expect(documented.filter((event) => event.type === 'finding.status_changed').every((event) => Object.keys(event.data).length === 3)).toBe(true);
    const generator = new EventGenerator(createRandom(6), ['finding.new', 'finding.status_changed'], { assumedFields: true });
    const events = generator.batch(200, TIMESTAMP);
    const change = events.find((event) => event.type === 'finding.status_changed')!;
    const reported = events.find((event) => event.type === 'finding.new' && event.data.finding_id === change.data.finding_id)!;
    expect(change.data).toMatchObject({ title: reported.data.title, severity: reported.data.severity, asset: reported.data.asset, cvss: reported.data.cvss });
  });

  it('skews finding severities towards the low end, using the whole scale', () => {
    const findings = new EventGenerator(createRandom(3)).batch(10_000, TIMESTAMP, 'finding.new');
    const counts = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0]));
    for (const { data } of findings) counts[data.severity as string]! += 1;
    expect(Object.values(counts).reduce((a, b) => a + b)).toBe(10_000);
    expect(counts.critical).toBeGreaterThan(0);
    expect(counts.info).toBeGreaterThan(counts.high!);
    expect(counts.high).toBeGreaterThan(counts.critical!);
  });

  it('weights types realistically: many finding.new and scan.progress, few system.alert', () => {
    const events = new EventGenerator(createRandom(4)).batch(10_000, TIMESTAMP);
    const count = (type: string) => events.filter((event) => event.type === type).length;
    expect(new Set(events.map((event) => event.type)).size).toBe(11);
    expect(count('finding.new')).toBeGreaterThan(10 * count('system.alert'));
    expect(count('scan.progress')).toBeGreaterThan(10 * count('system.alert'));
  });

  it('generates the same events from the same seed', () => {
    const batch = (seed: number) => new EventGenerator(createRandom(seed)).batch(200, TIMESTAMP);
    expect(batch(42)).toEqual(batch(42));
    expect(batch(42)).not.toEqual(batch(43));
  });

  it('refuses a type it cannot generate', async () => {
    await expect(start({ types: ['finding.new', 'finding.bogus'] })).rejects.toThrow(RangeError);
    const sim = await start();
    expect(() => sim.generate(1, 'heartbeat')).toThrow(RangeError);
  });

  it('generates only the configured types', async () => {
    const sim = await start({ types: ['system.alert', 'scan.failed'] });
    const stream = await connect(streamUrl(sim));
    sim.generate(100);
    await stream.waitForCount(100);
    expect(new Set(stream.events.map((event) => event.event))).toEqual(new Set(['system.alert', 'scan.failed']));
  });

  it('issues unique ids over 10,000 generated events and lists them in order', async () => {
    const sim = await start();
    const ids = [...sim.generate(5_000), ...sim.generate(5_000)];
    expect(new Set(ids).size).toBe(10_000);
    expect(sim.published()).toEqual(ids);
    for (const id of ids.slice(0, 10)) expect(id).toMatch(/^evt-[0-9a-f]+-[0-9a-f]+$/);
  });

  it('issues ids another simulator instance does not recognise', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.generate(1)).not.toEqual(b.generate(1));
  });
});

describe('simulator steady rate', () => {
  it.each([20, 2_000, 20_000])('emits about %i events per second', async (rate) => {
    const sim = await start({ rate });
    await sleep(200);
    const before = { count: sim.published().length, at: performance.now() };
    await sleep(1_000);
    const measured = ((sim.published().length - before.count) * 1000) / (performance.now() - before.at);
    expect(measured).toBeGreaterThan(rate * 0.6);
    expect(measured).toBeLessThan(rate * 1.4);
  });

  it('streams rate-generated events to a connected client', async () => {
    const sim = await start({ rate: 500 });
    const stream = await connect(streamUrl(sim));
    await stream.waitForCount(50);
    expect(sim.stats().sent).toBeGreaterThanOrEqual(50);
  });
});
