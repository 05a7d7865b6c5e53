import { describe, expect, it } from 'vitest';
import { connect, simulatorPerTest, sleep, streamUrl } from './simulator.helpers.js';

const start = simulatorPerTest();
const ids = (events: readonly { id?: string | undefined; event?: string | undefined }[]) =>
  events.filter((event) => event.event !== 'heartbeat').map((event) => event.id);
const marker = { type: 'heartbeat', data: { timestamp: new Date(0).toISOString() } };

describe('simulator stream: authentication and limits', () => {
  it('refuses a missing or wrong key with 401, by query token or bearer header, without echoing it', async () => {
    const sim = await start({ apiKeys: ['good-key'] });
    const attempts = [
      fetch(`${sim.url}/api/events/stream`),
      fetch(`${sim.url}/api/events/stream?token=wrong-key-123`),
      fetch(`${sim.url}/api/events/stream`, { headers: { authorization: 'Bearer wrong-key-123' } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(401);
      const body = await res.text();
      expect(JSON.parse(body)).toEqual({ error: 'unauthorized' });
      expect(body).not.toContain('wrong-key');
    }
    expect(sim.stats().rejected.unauthorized).toBe(3);
  });

  it('accepts the key by query token and by bearer header', async () => {
    const sim = await start({ apiKeys: ['good-key'] });
    const byToken = await connect(`${sim.url}/api/events/stream?token=good-key`);
    const byHeader = await connect(`${sim.url}/api/events/stream`, { authorization: 'Bearer good-key' });
    expect(sim.stats().connections).toBe(2);
    byToken.close();
    byHeader.close();
  });

  it('refuses connections beyond the tier limit with 429 and Retry-After, and admits again once one closes', async () => {
    const sim = await start({ maxConnections: 2 });
    const first = await connect(streamUrl(sim));
    await connect(streamUrl(sim));

    const refused = await fetch(streamUrl(sim));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toEqual({ error: 'too_many_connections' });
    expect(sim.stats()).toMatchObject({ connections: 2, maxConnections: 2, rejected: { tooMany: 1 } });

    first.close();
    await first.ended;
    await expect.poll(() => sim.stats().connections).toBe(1);
    expect((await connect(streamUrl(sim))).response.status).toBe(200);
  });
});

describe('simulator stream: framing', () => {
  it('answers as an event stream and sends the configured retry first', async () => {
    const sim = await start({ retryMs: 1234 });
    const stream = await connect(streamUrl(sim));
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream');
    expect(stream.response.headers.get('cache-control')).toBe('no-cache');
    sim.inject([marker]);
    await stream.waitForCount(1);
    expect(stream.retries).toEqual([1234]);
  });

  it('sends no retry when retryMs is 0', async () => {
    const sim = await start({ retryMs: 0 });
    const stream = await connect(streamUrl(sim));
    sim.inject([marker]);
    await stream.waitForCount(1);
    expect(stream.retries).toEqual([]);
  });

  it('sends heartbeats with their own unique ids at the configured interval', async () => {
    const sim = await start({ heartbeatIntervalMs: 50 });
    const stream = await connect(streamUrl(sim, { events: 'finding.new' }));
    await stream.waitForCount(3);
    const heartbeats = stream.events.slice(0, 3);
    for (const heartbeat of heartbeats) {
      expect(heartbeat.event).toBe('heartbeat');
      expect(heartbeat.id).toMatch(/^evt-hb-/);
      const { timestamp } = JSON.parse(heartbeat.data) as { timestamp: string };
      expect(new Date(timestamp).toISOString()).toBe(timestamp);
    }
    expect(new Set(heartbeats.map((heartbeat) => heartbeat.id)).size).toBe(3);
    expect(sim.published()).toEqual([]);
  });

  it('delivers injected raw string data verbatim, line breaks included', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim));
    const raw = ['{"finding_id": "f-1", "title": trunc', 'not json at all', 'line one\nline two\n\nevent: forged'];
    sim.inject(raw.map((data) => ({ type: 'finding.new', data })));
    await stream.waitForCount(3);
    expect(stream.events.map((event) => [event.event, event.data])).toEqual(raw.map((data) => ['finding.new', data]));
  });

  it('uses an injected id as given', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim));
    expect(sim.inject([{ type: 'scan.created', data: { scan_id: 'sc-1' }, id: 'evt-custom-1' }])).toEqual(['evt-custom-1']);
    await stream.waitForCount(1);
    expect(stream.events[0]).toMatchObject({ id: 'evt-custom-1', event: 'scan.created', data: '{"scan_id":"sc-1"}' });
  });

  it('delivers a 50,000-event burst complete and in order', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim));
    const published = sim.generate(50_000);
    await stream.waitForCount(50_000, 20_000);
    expect(stream.events.map((event) => event.id)).toEqual(published);
    expect(sim.stats().sent).toBe(50_000);
  });
});

describe('simulator stream: filters', () => {
  const events = [
    { type: 'finding.new', data: { finding_id: 'f-1', asset: { id: 'a-1001', name: 'api.example.com' } }, id: 'e1' },
    { type: 'finding.new', data: { finding_id: 'f-2', asset: { id: 'a-1002', name: 'www.example.com' } }, id: 'e2' },
    { type: 'scan.completed', data: { scan_id: 'sc-1', asset_id: 'a-1001' }, id: 'e3' },
    { type: 'scan.progress', data: { scan_id: 'sc-1', asset_id: 'a-1001' }, id: 'e4' },
    { type: 'system.alert', data: { alert_type: 'maintenance', message: 'm' }, id: 'e5' },
    { type: 'finding.new', data: 'raw, no asset', id: 'e6' },
  ];

  it('passes only the listed event types, and heartbeats', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim, { events: 'finding.new,scan.completed' }));
    sim.inject([...events, marker]);
    await stream.waitFor((got) => got.some((event) => event.event === 'heartbeat'));
    expect(ids(stream.events)).toEqual(['e1', 'e2', 'e3', 'e6']);
  });

  it('passes only events of the asset, by asset_id or asset.id, and heartbeats', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim, { asset_id: 'a-1001' }));
    sim.inject([...events, marker]);
    await stream.waitFor((got) => got.some((event) => event.event === 'heartbeat'));
    expect(ids(stream.events)).toEqual(['e1', 'e3', 'e4']);
  });

  it('filters by the asset an event is about, though its documented data does not name it', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim, { asset_id: 'a-1001' }));
    sim.inject([
      { type: 'scan.progress', data: { scan_id: 'sc-1', progress: 10, phase: 'discovery' }, assetId: 'a-1001', id: 'p1' },
      { type: 'scan.progress', data: { scan_id: 'sc-2', progress: 10, phase: 'discovery' }, assetId: 'a-1002', id: 'p2' },
      marker,
    ]);
    const id = sim.startScan({ assetId: 'a-1001', findings: 0, queueMs: 0, durationMs: 100 });
    await stream.waitFor((got) => got.some((event) => event.event === 'scan.completed'));
    const progress = stream.events.filter((event) => event.event === 'scan.progress').map((event) => JSON.parse(event.data) as Record<string, unknown>);
    expect(progress.map((data) => data.scan_id)).toEqual(['sc-1', ...Array.from({ length: 6 }, () => id)]);
    expect(progress.every((data) => !('asset_id' in data))).toBe(true);
  });

  it('combines the type and asset filters', async () => {
    const sim = await start();
    const filtered = await connect(streamUrl(sim, { events: 'finding.new,scan.progress', asset_id: 'a-1001' }));
    const everything = await connect(streamUrl(sim));
    sim.inject([...events, marker]);
    await filtered.waitFor((got) => got.some((event) => event.event === 'heartbeat'));
    await everything.waitForCount(events.length + 1);
    expect(ids(filtered.events)).toEqual(['e1', 'e4']);
    expect(ids(everything.events)).toEqual(events.map((event) => event.id));
    expect(sim.stats().sentByType).toEqual({ 'finding.new': 4, 'scan.completed': 1, 'scan.progress': 2, 'system.alert': 1, heartbeat: 2 });
  });
});

describe('simulator stream: cutting connections', () => {
  it('dropConnections ends every open stream', async () => {
    const sim = await start();
    const streams = await Promise.all([connect(streamUrl(sim)), connect(streamUrl(sim))]);
    sim.dropConnections();
    await Promise.all(streams.map((stream) => stream.ended));
    expect(sim.stats().connections).toBe(0);
    expect(sim.stats().maxConnections).toBe(2);
  });

  it('close ends open streams and stops the server', async () => {
    const sim = await start({ rate: 100, heartbeatIntervalMs: 20 });
    const stream = await connect(streamUrl(sim));
    await sim.close();
    await stream.ended;
    await expect(fetch(streamUrl(sim))).rejects.toThrow();
    const count = sim.published().length;
    await sleep(100);
    expect(sim.published().length).toBe(count);
  });
});
