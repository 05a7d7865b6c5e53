import type { EventSourceMessage } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { connect, progressUrl, simulatorPerTest, sleep, streamUrl } from './simulator.helpers.js';

const start = simulatorPerTest();
const PHASES = ['discovery', 'port_scanning', 'service_detection', 'web_vulnerability_checks', 'ssl_checks', 'reporting'];
/** Long enough that a scan stays queued until the test moves it on. */
const HELD = 60_000;

const parsed = (events: readonly EventSourceMessage[]) => events.map((event) => ({ event: event.event, data: JSON.parse(event.data) }));
const post = (url: string, body: unknown = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('simulator progress stream', () => {
  it('follows a scan to scan_complete: initial state first, changes in order, no ids, then the stream ends', async () => {
    const sim = await start();
    const id = sim.startScan({ assetId: 'a-1001', scanType: 'full', findings: 4, queueMs: 300, durationMs: 300 });
    const stream = await connect(progressUrl(sim, id));
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream');
    await stream.ended;

    const events = parsed(stream.events);
    expect(stream.events.every((event) => event.id === undefined)).toBe(true);
    const [scan] = sim.scans();
    expect(events.slice(0, 7)).toEqual([
      {
        event: 'status_change',
        data: { scan_id: id, status: 'queued', timestamp: scan!.createdAt, finding_count: 0, critical: 0, high: 0, medium: 0, low: 0 },
      },
      ...PHASES.map((stage) => ({
        event: 'stage_update',
        data: { scan_id: id, stage, status: 'pending', timestamp: scan!.createdAt },
      })),
    ]);

    const live = events.slice(7);
    expect(live[0]).toMatchObject({ event: 'status_change', data: { status: 'running', timestamp: scan!.startedAt } });
    // Every stage runs then completes, in order; each finding arrives while a stage runs.
    const stages = live.filter(({ event }) => event === 'stage_update').map(({ data }) => `${data.stage}:${data.status}`);
    expect(stages).toEqual(PHASES.flatMap((stage) => [`${stage}:running`, `${stage}:completed`]));
    let running = false;
    for (const { event, data } of live) {
      if (event === 'stage_update') running = data.status === 'running';
      if (event === 'finding_added') expect(running).toBe(true);
    }
    const findings = live.filter(({ event }) => event === 'finding_added').map(({ data }) => data);
    expect(findings).toEqual(
      scan!.findings.map((finding) => ({ scan_id: id, finding_id: finding.id, title: finding.title, severity: finding.severity })),
    );

    const count = (severity: string) => scan!.findings.filter((finding) => finding.severity === severity).length;
    const counts = { finding_count: 4, critical: count('critical'), high: count('high'), medium: count('medium'), low: count('low') };
    expect(live.slice(-2)).toEqual([
      { event: 'status_change', data: { scan_id: id, status: 'completed', timestamp: scan!.completedAt, ...counts } },
      { event: 'scan_complete', data: { scan_id: id, ...counts, timestamp: scan!.completedAt } },
    ]);
    await expect.poll(() => sim.stats().progressConnections).toBe(0);
  });

  it('sends the current state on connect, with the timestamps of the changes it summarises', async () => {
    const sim = await start();
    const id = sim.startScan({ findings: 6, queueMs: 300, durationMs: 600 });
    const first = await connect(progressUrl(sim, id));
    await first.waitForCount(1);
    expect(JSON.parse(first.events[0]!.data)).toMatchObject({ status: 'queued' });
    await first.waitFor((got) => got.some((event) => event.event === 'finding_added'));

    const second = await connect(progressUrl(sim, id));
    await second.waitForCount(7);
    const [status, ...stages] = parsed(second.events.slice(0, 7));
    const scan = sim.scans()[0]!;
    expect(status).toMatchObject({ event: 'status_change', data: { status: 'running', timestamp: scan.startedAt } });
    expect(status!.data.finding_count).toBeGreaterThanOrEqual(1);
    // What the second stream's initial state summarises, the first saw as live changes, identically.
    await Promise.all([first.ended, second.ended]);
    const key = ({ event, data }: { event: string | undefined; data: Record<string, unknown> }) =>
      JSON.stringify([event, data.stage, data.status, data.timestamp]);
    const seen = new Set(parsed(first.events.slice(7)).map(key));
    expect(seen.has(key(status!))).toBe(true);
    for (const stage of stages) if (stage.data.status !== 'pending') expect(seen.has(key(stage))).toBe(true);
  });

  it('answers a finished scan with its final state and terminal event, then ends', async () => {
    const sim = await start();
    const completed = sim.startScan({ findings: 2, queueMs: HELD });
    sim.completeScan(completed);
    const failed = sim.startScan({ queueMs: 0, durationMs: HELD });
    await expect.poll(() => sim.scans()[1]!.status).toBe('running');
    sim.failScan(failed, 'Scanner node lost during execution');

    const done = await connect(progressUrl(sim, completed));
    await done.ended;
    expect(parsed(done.events).map(({ event }) => event)).toEqual(['status_change', ...PHASES.map(() => 'stage_update'), 'scan_complete']);

    const broken = await connect(progressUrl(sim, failed));
    await broken.ended;
    const events = parsed(broken.events);
    expect(events[0]).toMatchObject({ event: 'status_change', data: { status: 'failed' } });
    expect(events[1]).toMatchObject({
      event: 'stage_update',
      data: { stage: 'discovery', status: 'failed', error: 'Scanner node lost during execution' },
    });
    expect(events.at(-1)).toEqual({
      event: 'error',
      data: { scan_id: failed, error: 'Scanner node lost during execution', timestamp: sim.scans()[1]!.completedAt },
    });
  });

  it('ends with stage_update failed, status_change failed and error when the scan fails while followed', async () => {
    const sim = await start();
    const id = sim.startScan({ queueMs: 0, durationMs: HELD });
    const stream = await connect(progressUrl(sim, id));
    await stream.waitFor((got) => got.some((event) => event.event === 'stage_update' && JSON.parse(event.data).status === 'running'));
    sim.failScan(id, 'Blocked by target WAF');
    await stream.ended;
    expect(parsed(stream.events.slice(-3))).toEqual([
      { event: 'stage_update', data: expect.objectContaining({ stage: 'discovery', status: 'failed', error: 'Blocked by target WAF' }) },
      { event: 'status_change', data: expect.objectContaining({ status: 'failed' }) },
      { event: 'error', data: expect.objectContaining({ scan_id: id, error: 'Blocked by target WAF' }) },
    ]);
  });

  it('refuses a missing key with 401 and an unknown scan with 404', async () => {
    const sim = await start({ apiKeys: ['good-key'] });
    const id = sim.startScan({ queueMs: HELD });
    expect((await fetch(progressUrl(sim, id, {}))).status).toBe(401);
    expect((await fetch(progressUrl(sim, id, { token: 'wrong' }))).status).toBe(401);
    const unknown = await fetch(progressUrl(sim, 'sc-nope', { token: 'good-key' }));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'not_found', message: 'Scan sc-nope not found.' });
    const byHeader = await connect(progressUrl(sim, id, {}), { authorization: 'Bearer good-key' });
    expect(sim.stats()).toMatchObject({ connections: 1, progressConnections: 1, rejected: { unauthorized: 2 } });
    byHeader.close();
  });

  it('counts progress streams against the tier limit together with the event stream', async () => {
    const sim = await start({ maxConnections: 2 });
    const scans = [sim.startScan({ queueMs: HELD }), sim.startScan({ queueMs: HELD })];
    await connect(streamUrl(sim));
    const followed = await connect(progressUrl(sim, scans[0]!));

    for (const url of [progressUrl(sim, scans[1]!), streamUrl(sim)]) {
      const refused = await fetch(url);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('5');
    }
    expect(sim.stats()).toMatchObject({ connections: 2, progressConnections: 1, maxConnections: 2, rejected: { tooMany: 2 } });

    // A progress stream gives its connection back when its scan ends.
    sim.completeScan(scans[0]!);
    await followed.ended;
    await expect.poll(() => sim.stats().connections).toBe(1);
    await connect(progressUrl(sim, scans[1]!));
    expect(sim.stats()).toMatchObject({ connections: 2, progressConnections: 1, maxConnections: 2 });
  });

  it('sends `: keepalive` comments at the configured interval', async () => {
    const sim = await start({ progressKeepaliveMs: 40 });
    const stream = await connect(progressUrl(sim, sim.startScan({ queueMs: HELD })));
    await stream.waitFor(() => stream.comments.length >= 3);
    expect(new Set(stream.comments.map((comment) => comment.trim()))).toEqual(new Set(['keepalive']));
    expect(stream.events).toHaveLength(7);
  });

  it('sends the lag notification in place of the events a lagging stream skipped', async () => {
    const sim = await start();
    const id = sim.startScan({ findings: 3, queueMs: HELD });
    const lagging = await connect(progressUrl(sim, id));
    await lagging.waitForCount(7);
    expect(await (await post(`${sim.url}/_sim/scans/${id}/lag`, { skip: 2 })).json()).toEqual({ streams: 1 });
    const steady = await connect(progressUrl(sim, id));
    await steady.waitForCount(7);

    sim.completeScan(id);
    await Promise.all([lagging.ended, steady.ended]);
    const [lagged, ...rest] = parsed(lagging.events.slice(7));
    expect(lagged).toEqual({ event: 'lagged', data: { scan_id: id, skipped: 2, timestamp: expect.any(String) } });
    expect(rest).toEqual(parsed(steady.events.slice(9)));
    expect(rest.at(-1)!.event).toBe('scan_complete');

    expect((await post(`${sim.url}/_sim/scans/sc-nope/lag`)).status).toBe(404);
  });

  it('ends progress streams when the scan is cancelled, and cuts them on dropConnections', async () => {
    const sim = await start();
    const [cancelled, dropped] = [sim.startScan({ queueMs: HELD }), sim.startScan({ queueMs: HELD })];
    const [a, b] = await Promise.all([connect(progressUrl(sim, cancelled)), connect(progressUrl(sim, dropped))]);
    await a.waitForCount(7);
    const res = await fetch(`${sim.url}/api/scan/${cancelled}/cancel`, { method: 'POST', headers: { authorization: 'Bearer sim-key' } });
    expect(res.status).toBe(200);
    await a.ended;
    expect(parsed(a.events).at(-1)).toMatchObject({ event: 'status_change', data: { status: 'cancelled' } });

    sim.dropConnections();
    await b.ended;
    await sleep(20);
    expect(sim.stats()).toMatchObject({ connections: 0, progressConnections: 0 });
  });
});
