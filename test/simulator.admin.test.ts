import { describe, expect, it } from 'vitest';
import { connect, simulatorPerTest, streamUrl } from './simulator.helpers.js';

const start = simulatorPerTest();
const post = (url: string, body?: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

describe('simulator admin endpoints', () => {
  it('POST /_sim/events publishes an array or a single event and returns the ids', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim));
    const many = await post(`${sim.url}/_sim/events`, [
      { type: 'finding.new', data: { finding_id: 'f-1' } },
      { type: 'scan.created', data: { scan_id: 'sc-1' }, id: 'evt-given' },
    ]);
    const one = await post(`${sim.url}/_sim/events`, { type: 'system.alert', data: 'raw text' });
    const ids = [...((await many.json()) as { ids: string[] }).ids, ...((await one.json()) as { ids: string[] }).ids];
    expect(ids[1]).toBe('evt-given');
    await stream.waitForCount(3);
    expect(stream.events.map((event) => event.id)).toEqual(ids);
    expect(stream.events[2]!.data).toBe('raw text');
    expect(sim.published()).toEqual(ids);
  });

  it('POST /_sim/events refuses an event without a type or data, publishing nothing', async () => {
    const sim = await start();
    for (const body of [[{ data: {} }], [{ type: 'finding.new', data: {} }, { type: 'x' }], [{ type: 'a\nb', data: {} }], null]) {
      const res = await post(`${sim.url}/_sim/events`, body);
      expect(res.status).toBe(400);
    }
    expect((await fetch(`${sim.url}/_sim/events`, { method: 'POST', body: '{not json' })).status).toBe(400);
    expect(sim.published()).toEqual([]);
  });

  it('GET /_sim/stats reports what was sent, connections and rejections', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim), { 'last-event-id': 'evt-x' });
    await fetch(`${sim.url}/api/events/stream?token=nope`);
    sim.generate(3, 'finding.new');
    await stream.waitForCount(3);
    expect(await (await fetch(`${sim.url}/_sim/stats`)).json()).toEqual({
      sent: 3,
      sentByType: { 'finding.new': 3 },
      connections: 1,
      progressConnections: 0,
      maxConnections: 1,
      rejected: { unauthorized: 1, tooMany: 0 },
      lastEventIds: ['evt-x'],
      scans: { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 },
      apiRequests: {},
    });
  });

  it('POST /_sim/drop cuts every open stream', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim));
    const res = await post(`${sim.url}/_sim/drop`);
    expect(await res.json()).toEqual({ dropped: 1 });
    await stream.ended;
    expect(sim.stats().connections).toBe(0);
  });

  it('answers unknown paths with 404 and other methods on the stream with 405', async () => {
    const sim = await start();
    expect((await fetch(`${sim.url}/nope`)).status).toBe(404);
    expect((await post(`${sim.url}/api/events/stream?token=sim-key`)).status).toBe(405);
  });
});
