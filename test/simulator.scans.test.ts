import { describe, expect, it } from 'vitest';
import type { Simulator } from '../src/simulator/index.js';
import { connect, progressUrl, simulatorPerTest, sleep, streamUrl } from './simulator.helpers.js';

const start = simulatorPerTest();
/** Long enough that a scan stays queued until the test moves it on. */
const HELD = 60_000;
const AUTH = { authorization: 'Bearer sim-key' };

/** A Scans API request with the default key; `body` makes it a POST. */
async function api(sim: Simulator, path: string, body?: unknown, headers: Record<string, string> = AUTH) {
  const res = await fetch(`${sim.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  // Loosely typed on purpose: each test reads the documented shape it expects.
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe('simulator Scans API', () => {
  it('creates a scan that is announced by scan.created and answers details and status', async () => {
    const sim = await start({ scanQueueMs: HELD, scanDurationMs: 120_000 });
    const stream = await connect(streamUrl(sim));
    const created = await api(sim, '/api/scan/create', { asset_id: 'a-1001', scan_type: 'full', priority: 'high', options: { depth: 'deep' } });
    expect(created.status).toBe(201);
    const id = created.body.data.scan_id as string;
    expect(created.body.data).toEqual({
      scan_id: id,
      asset_id: 'a-1001',
      scan_type: 'full',
      status: 'queued',
      priority: 'high',
      created_at: expect.any(String),
      estimated_duration_minutes: 2,
    });

    await stream.waitForCount(1);
    expect(stream.events[0]!.event).toBe('scan.created');
    expect(JSON.parse(stream.events[0]!.data)).toEqual({ scan_id: id, asset_id: 'a-1001', scan_type: 'full' });

    expect((await api(sim, `/api/scan/${id}`)).body.data).toEqual({
      scan_id: id,
      asset_id: 'a-1001',
      asset_name: 'api.example.com',
      scan_type: 'full',
      status: 'queued',
      priority: 'high',
      progress: 0,
      finding_summary: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
      started_at: null,
      completed_at: null,
      duration_seconds: null,
      created_at: created.body.data.created_at,
    });
    const status = (await api(sim, `/api/scan/${id}/status`)).body.data;
    expect(status).toMatchObject({ scan_id: id, status: 'queued', progress: 0, current_phase: null });
    expect(status.eta_seconds).toBeGreaterThan(170);
  });

  it('reports a running scan’s progress and phase, and a completed one’s summary and duration', async () => {
    const sim = await start();
    const id = sim.startScan({ findings: 5, queueMs: 0, durationMs: HELD });
    await expect.poll(async () => (await api(sim, `/api/scan/${id}/status`)).body.data.current_phase).toBe('discovery');
    sim.completeScan(id);
    const details = (await api(sim, `/api/scan/${id}`)).body.data;
    expect(details).toMatchObject({ status: 'completed', progress: 100, duration_seconds: 0 });
    const summary = details.finding_summary as Record<string, number>;
    expect(Object.values(summary).reduce((a, b) => a + b)).toBe(5);
    expect((await api(sim, `/api/scan/${id}/status`)).body.data).toEqual({
      scan_id: id,
      status: 'completed',
      progress: 100,
      current_phase: null,
      eta_seconds: 0,
    });
  });

  it('refuses a missing or wrong key with 401 on every endpoint, and accepts ?token=', async () => {
    const sim = await start({ apiKeys: ['good-key'] });
    const id = sim.startScan({ queueMs: HELD });
    const paths = ['/api/scans', `/api/scan/${id}`, `/api/scan/${id}/status`, `/api/scan/${id}/results`];
    for (const headers of [{}, { authorization: 'Bearer wrong-key' }] as Record<string, string>[]) {
      for (const path of paths) {
        const res = await api(sim, path, undefined, headers);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: 'unauthorized' });
      }
      expect((await api(sim, '/api/scan/create', { asset_id: 'a-1001', scan_type: 'full' }, headers)).status).toBe(401);
      expect((await api(sim, `/api/scan/${id}/cancel`, {}, headers)).status).toBe(401);
    }
    expect((await api(sim, '/api/scans?token=good-key', undefined, {})).status).toBe(200);
    expect(sim.scans()).toHaveLength(1);
    expect(sim.stats().apiRequests).toEqual({ 401: 12, 200: 1 });
  });

  it('answers an unknown scan with 404', async () => {
    const sim = await start();
    for (const path of ['/api/scan/sc-nope', '/api/scan/sc-nope/status', '/api/scan/sc-nope/results']) {
      expect(await api(sim, path)).toMatchObject({ status: 404, body: { error: 'not_found', message: 'Scan sc-nope not found.' } });
    }
    expect((await api(sim, '/api/scan/sc-nope/cancel', {})).status).toBe(404);
  });

  it('refuses bad parameters and bodies with 422, creating nothing', async () => {
    const sim = await start();
    const id = sim.startScan({ queueMs: HELD });
    const bodies = [
      { scan_type: 'full' },
      { asset_id: 'a-1001' },
      { asset_id: 'a-9999', scan_type: 'full' },
      { asset_id: 'a-1001', scan_type: 'deep' },
      { asset_id: 'a-1001', scan_type: 'full', priority: 'urgent' },
      '{not json',
      '[1]',
    ];
    for (const body of bodies) {
      const res = await api(sim, '/api/scan/create', body);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ error: 'validation_error', message: expect.any(String) });
    }
    const queries = ['per_page=0', 'per_page=101', 'page=0', 'page=x', 'status=done', 'scan_type=deep', 'from=yesterday'];
    for (const query of queries) expect((await api(sim, `/api/scans?${query}`)).status).toBe(422);
    expect((await api(sim, `/api/scan/${id}/results?severity=critical,urgent`)).status).toBe(422);
    expect(sim.scans()).toHaveLength(1);
  });

  it('lists scans newest first, in pages, with meta', async () => {
    const sim = await start({ scanQueueMs: HELD });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(sim.startScan());
      await sleep(2);
    }
    const pages = await Promise.all([1, 2, 3, 4].map((page) => api(sim, `/api/scans?per_page=2&page=${page}`)));
    expect(pages.map(({ body }) => body.meta)).toEqual([1, 2, 3, 4].map((page) => ({ total: 5, page, per_page: 2, last_page: 3 })));
    expect(pages.flatMap(({ body }) => body.data.map((scan: { scan_id: string }) => scan.scan_id))).toEqual(ids.toReversed());
    expect((await api(sim, '/api/scans')).body.meta).toEqual({ total: 5, page: 1, per_page: 20, last_page: 1 });
  });

  it('filters by status, asset_id, scan_type, and from/to on completion time (creation time while unfinished)', async () => {
    const sim = await start({ scanQueueMs: HELD });
    const before = sim.startScan({ assetId: 'a-1001', scanType: 'full' });
    sim.completeScan(before);
    await sleep(20);
    const since = new Date().toISOString();
    await sleep(5);
    const old = sim.startScan({ assetId: 'a-1002', scanType: 'ssl' });
    const failed = sim.startScan({ assetId: 'a-1002', scanType: 'full' });
    const queued = sim.startScan({ assetId: 'a-1003', scanType: 'dns' });
    sim.completeScan(old);
    sim.failScan(failed);
    await sleep(5);
    const until = new Date().toISOString();
    await sleep(20);
    const later = sim.startScan({ assetId: 'a-1001', scanType: 'full' });
    sim.completeScan(later);

    const list = async (query: string) =>
      (await api(sim, `/api/scans?${query}`)).body.data.map((scan: { scan_id: string }) => scan.scan_id).sort();
    expect(await list('status=completed')).toEqual([before, old, later].sort());
    expect(await list('status=all')).toHaveLength(5);
    expect(await list('asset_id=a-1002')).toEqual([old, failed].sort());
    expect(await list('scan_type=full&asset_id=a-1001')).toEqual([before, later].sort());
    expect(await list(`status=completed&from=${since}`)).toEqual([old, later].sort());
    expect(await list(`from=${since}&to=${until}`)).toEqual([old, failed, queued].sort());
    expect(await list(`to=${since}`)).toEqual([before]);
  });

  it('returns results: the documented fields of each finding, by severity and in pages', async () => {
    const sim = await start();
    const id = sim.startScan({ findings: 12, queueMs: HELD });
    sim.completeScan(id);
    const scan = sim.scans()[0]!;
    const all = await api(sim, `/api/scan/${id}/results?per_page=100`);
    expect(all.body.meta).toEqual({ total: 12, page: 1, per_page: 100, last_page: 1 });
    expect(all.body.data).toEqual(
      scan.findings.map((finding) => ({
        id: finding.id,
        title: finding.title,
        severity: finding.severity,
        cvss: finding.cvss,
        status: 'open',
        description: expect.stringMatching(/\S/),
        remediation: expect.stringMatching(/\S/),
        discovered_at: finding.discoveredAt,
      })),
    );
    const severe = await api(sim, `/api/scan/${id}/results?severity=critical,high`);
    const expected = scan.findings.filter((finding) => ['critical', 'high'].includes(finding.severity)).map((finding) => finding.id);
    expect(severe.body.data.map((finding: { id: string }) => finding.id)).toEqual(expected);
    const second = await api(sim, `/api/scan/${id}/results?per_page=5&page=2`);
    expect(second.body.data.map((finding: { id: string }) => finding.id)).toEqual(scan.findings.slice(5, 10).map((finding) => finding.id));
    expect(second.body.meta).toEqual({ total: 12, page: 2, per_page: 5, last_page: 3 });
  });

  it('cancels a queued or running scan, keeping partial results, and refuses to cancel it again', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim, { events: 'scan.completed' }));
    const id = sim.startScan({ findings: 6, queueMs: 0, durationMs: 600 });
    await expect.poll(() => sim.scans()[0]!.findings.length, { timeout: 2_000 }).toBeGreaterThanOrEqual(2);
    const res = await api(sim, `/api/scan/${id}/cancel`, {});
    expect(res).toMatchObject({ status: 200, body: { data: { scan_id: id, status: 'cancelled', message: 'Scan cancelled by user.' } } });
    const kept = sim.scans()[0]!.findings.length;
    expect(kept).toBeLessThan(6);
    await sleep(700);
    expect((await api(sim, `/api/scan/${id}/results`)).body.meta.total).toBe(kept);
    expect(await api(sim, `/api/scan/${id}/cancel`, {})).toMatchObject({ status: 409, body: { error: 'conflict' } });

    await stream.waitForCount(1);
    expect(JSON.parse(stream.events[0]!.data)).toMatchObject({ scan_id: id, status: 'cancelled', finding_count: kept });
  });

  it('answers 429 with Retry-After beyond the request rate limit', async () => {
    const sim = await start({ apiRateLimit: 3, apiRateWindowMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await api(sim, '/api/scans')).status).toBe(200);
    const limited = await api(sim, '/api/scans');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: 'rate_limited', message: 'Too many requests.' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Streams are limited by connections, not by the request rate.
    await connect(streamUrl(sim));
    expect(sim.stats().apiRequests).toEqual({ 200: 3, 429: 1 });
  });

  it('answers scripted failures from POST /_sim/fail, then recovers', async () => {
    const sim = await start();
    const id = sim.startScan({ queueMs: HELD });
    const script = await fetch(`${sim.url}/_sim/fail`, {
      method: 'POST',
      body: JSON.stringify({ path_prefix: '/api/scan', status: 503, count: 2, retry_after: 7 }),
    });
    expect(await script.json()).toEqual({ scripted: 2 });
    const first = await api(sim, '/api/scans');
    expect(first).toMatchObject({ status: 503, body: { error: 'service_unavailable', message: 'Scripted failure.' } });
    expect(first.headers.get('retry-after')).toBe('7');
    expect((await fetch(progressUrl(sim, id))).status).toBe(503);
    expect((await api(sim, '/api/scans')).status).toBe(200);

    const bad = await fetch(`${sim.url}/_sim/fail`, { method: 'POST', body: JSON.stringify({ path_prefix: '/api', status: 200 }) });
    expect(bad.status).toBe(400);
  });
});

describe('simulator scans: consistency between the event stream, the Scans API and the progress stream', () => {
  it('a scan’s finding.new events equal its results, and its scan.* events agree with its details', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim));
    const id = sim.startScan({ assetId: 'a-1004', findings: 7, queueMs: 20, durationMs: 300 });
    const progress = await connect(progressUrl(sim, id));
    await progress.ended;
    await stream.waitFor((got) => got.some((event) => event.event === 'scan.completed'));

    // The only scan: finding.new names no scan (the document gives it none).
    const mine = stream.events.map((event) => ({ type: event.event, data: JSON.parse(event.data) })).filter(({ type }) => type !== 'heartbeat');
    const results = (await api(sim, `/api/scan/${id}/results?per_page=100`)).body.data as Record<string, unknown>[];
    const findingEvents = mine.filter(({ type }) => type === 'finding.new').map(({ data }) => data);
    expect(findingEvents).toEqual(
      results.map((finding) => ({ finding_id: finding.id, title: finding.title, severity: finding.severity, asset: { id: 'a-1004', name: 'vpn.example.org' } })),
    );

    const details = (await api(sim, `/api/scan/${id}`)).body.data;
    expect(mine.map(({ type }) => type).filter((type) => type !== 'finding.new')).toEqual([
      'scan.created',
      ...Array.from({ length: 6 }, () => 'scan.progress'),
      'scan.completed',
    ]);
    expect(mine.filter(({ type }) => type === 'scan.progress').map(({ data }) => [data.phase, data.progress])).toEqual([
      ['discovery', 0],
      ['port_scanning', 16],
      ['service_detection', 33],
      ['web_vulnerability_checks', 50],
      ['ssl_checks', 66],
      ['reporting', 83],
    ]);
    expect(mine.at(-1)!.data).toEqual({ scan_id: id, asset_id: 'a-1004', status: 'completed', finding_count: 7, duration: details.duration_seconds });

    const added = progress.events.filter((event) => event.event === 'finding_added').map((event) => JSON.parse(event.data).finding_id);
    expect(added).toEqual(results.map((finding) => finding.id));
    const complete = JSON.parse(progress.events.at(-1)!.data);
    const { critical, high, medium, low } = details.finding_summary;
    expect(complete).toEqual({ scan_id: id, finding_count: 7, critical, high, medium, low, timestamp: details.completed_at });
  });

  it('a failed scan’s scan.failed event carries its error, as documented: scan_id and error', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim, { events: 'scan.failed' }));
    const id = sim.startScan({ queueMs: 0, durationMs: HELD });
    await expect.poll(() => sim.scans()[0]!.status).toBe('running');
    sim.failScan(id, 'DNS resolution failed for target');
    await stream.waitForCount(1);
    expect(JSON.parse(stream.events[0]!.data)).toEqual({ scan_id: id, error: 'DNS resolution failed for target' });
    const details = (await api(sim, `/api/scan/${id}`)).body.data;
    expect(details.status).toBe('failed');
    expect(details).not.toHaveProperty('error');
  });

  it('with assumedFields, events and results also carry what the documents do not list, and agree on it', async () => {
    const sim = await start({ assumedFields: true });
    const stream = await connect(streamUrl(sim));
    const id = sim.startScan({ assetId: 'a-1004', findings: 4, queueMs: 0, durationMs: 200 });
    await stream.waitFor((got) => got.some((event) => event.event === 'scan.completed'));
    const failing = sim.startScan({ queueMs: 0, durationMs: HELD });
    await expect.poll(() => sim.scans()[1]!.status).toBe('running');
    sim.failScan(failing, 'Blocked by target WAF');
    await stream.waitFor((got) => got.some((event) => event.event === 'scan.failed'));

    const events = stream.events.map((event) => ({ type: event.event, data: JSON.parse(event.data) }));
    const results = (await api(sim, `/api/scan/${id}/results`)).body.data as Record<string, unknown>[];
    const findingEvents = events.filter(({ type }) => type === 'finding.new').map(({ data }) => data);
    expect(findingEvents.map((data) => [data.finding_id, data.cvss, data.url, data.timestamp, data.asset_id, data.scan_id])).toEqual(
      results.map((finding) => [finding.id, finding.cvss, finding.url, finding.discovered_at, 'a-1004', id]),
    );
    const details = (await api(sim, `/api/scan/${failing}`)).body.data;
    expect(details.error).toBe('Blocked by target WAF');
    expect(events.find(({ type }) => type === 'scan.failed')!.data).toEqual({
      scan_id: failing,
      error: 'Blocked by target WAF',
      asset_id: details.asset_id,
      status: 'failed',
      timestamp: details.completed_at,
    });
  });
});

describe('simulator findings: status changes', () => {
  it('moves a scanned finding to a status: the results show it and the stream tells it in the documented shape', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim, { events: 'finding.status_changed' }));
    const id = sim.startScan({ findings: 2, queueMs: HELD });
    sim.completeScan(id);
    const [finding] = sim.scans()[0]!.findings;
    const res = await fetch(`${sim.url}/_sim/findings/${finding!.id}/status`, { method: 'POST', body: JSON.stringify({ status: 'resolved' }) });
    expect(res.status).toBe(200);
    const { id: eventId } = (await res.json()) as { id: string };
    await stream.waitForCount(1);
    expect(stream.events[0]).toMatchObject({ id: eventId, event: 'finding.status_changed' });
    expect(JSON.parse(stream.events[0]!.data)).toEqual({ finding_id: finding!.id, old_status: 'open', new_status: 'resolved' });
    const results = (await api(sim, `/api/scan/${id}/results`)).body.data as { id: string; status: string }[];
    expect(results.map((r) => [r.id, r.status])).toEqual([
      [finding!.id, 'resolved'],
      [sim.scans()[0]!.findings[1]!.id, 'open'],
    ]);
    sim.setFindingStatus(finding!.id, 'reopened');
    await stream.waitForCount(2);
    expect(JSON.parse(stream.events[1]!.data)).toEqual({ finding_id: finding!.id, old_status: 'resolved', new_status: 'reopened' });
  });

  it('answers an unknown finding with 404 and a missing status with 400', async () => {
    const sim = await start();
    const unknown = await fetch(`${sim.url}/_sim/findings/f-nope/status`, { method: 'POST', body: JSON.stringify({ status: 'resolved' }) });
    expect(unknown.status).toBe(404);
    const id = sim.startScan({ findings: 1, queueMs: HELD });
    sim.completeScan(id);
    const bad = await fetch(`${sim.url}/_sim/findings/${sim.scans()[0]!.findings[0]!.id}/status`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(400);
  });
});

describe('simulator scans: admin and generation', () => {
  it('POST /_sim/scans starts a scan now; GET /_sim/stats counts scans and progress connections', async () => {
    const sim = await start();
    const res = await fetch(`${sim.url}/_sim/scans`, {
      method: 'POST',
      body: JSON.stringify({ asset_id: 'a-1001', scan_type: 'port', findings: 2, duration_ms: HELD, queue_ms: 0 }),
    });
    expect(res.status).toBe(201);
    const { scan_id: id } = (await res.json()) as { scan_id: string };
    expect(sim.scans()[0]).toMatchObject({ id, assetId: 'a-1001', scanType: 'port', durationMs: HELD });
    await connect(progressUrl(sim, id));

    const stats = async () => (await fetch(`${sim.url}/_sim/stats`)).json();
    await expect.poll(stats).toMatchObject({ connections: 1, progressConnections: 1, scans: { running: 1 } });
    const completed = await fetch(`${sim.url}/_sim/scans/${id}/complete`, { method: 'POST' });
    expect(await completed.json()).toEqual({ scan_id: id, status: 'completed' });
    await expect.poll(stats).toMatchObject({ connections: 0, progressConnections: 0, scans: { running: 0, completed: 1 } });
    expect((await fetch(`${sim.url}/_sim/scans/${id}/complete`, { method: 'POST' })).status).toBe(409);
    expect((await fetch(`${sim.url}/_sim/scans`, { method: 'POST', body: '{"findings": -1}' })).status).toBe(400);

    const other = sim.startScan({ queueMs: HELD });
    const failed = await fetch(`${sim.url}/_sim/scans/${other}/fail`, { method: 'POST', body: '{"error": "Blocked by target WAF"}' });
    expect(await failed.json()).toEqual({ scan_id: other, status: 'failed' });
    expect(sim.scans()[1]).toMatchObject({ status: 'failed', error: 'Blocked by target WAF' });
    expect(((await (await fetch(`${sim.url}/_sim/scans`)).json()) as { scans: unknown[] }).scans).toHaveLength(2);
  });

  it('starts scans by itself every scanIntervalMs and runs them to completion', async () => {
    const sim = await start({ scanIntervalMs: 40, scanQueueMs: 0, scanDurationMs: 100 });
    await expect.poll(() => sim.scans().filter((scan) => scan.status === 'completed').length, { timeout: 3_000 }).toBeGreaterThanOrEqual(2);
  });

  it('refuses bad scan options', async () => {
    const sim = await start();
    expect(() => sim.startScan({ assetId: 'a-0' })).toThrow(RangeError);
    expect(() => sim.startScan({ findings: 1.5 })).toThrow(RangeError);
    expect(() => sim.completeScan('sc-nope')).toThrow(RangeError);
    await expect(start({ scanDurationMs: -1 })).rejects.toThrow(RangeError);
  });
});
