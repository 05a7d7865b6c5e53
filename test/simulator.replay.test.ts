import { describe, expect, it } from 'vitest';
import { connect, simulatorPerTest, sleep, streamUrl } from './simulator.helpers.js';

const start = simulatorPerTest();
const idsOf = (events: readonly { id?: string | undefined }[]) => events.map((event) => event.id);

describe('simulator replay by Last-Event-ID', () => {
  it('replays exactly the events after the given id, then continues live', async () => {
    const sim = await start();
    const earlier = sim.generate(5);
    const stream = await connect(streamUrl(sim), { 'last-event-id': earlier[1]! });
    const later = sim.generate(2);
    await stream.waitForCount(5);
    await sleep(50);
    expect(idsOf(stream.events)).toEqual([...earlier.slice(2), ...later]);
    expect(sim.stats().lastEventIds).toEqual([earlier[1]]);
  });

  it('accepts the id as the last_event_id query parameter', async () => {
    const sim = await start();
    const earlier = sim.generate(4);
    const stream = await connect(streamUrl(sim, { last_event_id: earlier[2]! }));
    await stream.waitForCount(1);
    await sleep(50);
    expect(idsOf(stream.events)).toEqual([earlier[3]]);
  });

  it('replays nothing when the id is the newest event', async () => {
    const sim = await start();
    const [only] = sim.generate(1);
    const stream = await connect(streamUrl(sim), { 'last-event-id': only! });
    const [live] = sim.generate(1);
    await stream.waitForCount(1);
    expect(idsOf(stream.events)).toEqual([live]);
  });

  it('applies the stream filters to the replay', async () => {
    const sim = await start();
    const [first] = sim.inject([{ type: 'scan.created', data: { scan_id: 'sc-1', asset_id: 'a-1001' } }]);
    const wanted = sim.inject([
      { type: 'finding.new', data: { finding_id: 'f-1', asset_id: 'a-1001' } },
      { type: 'finding.new', data: { finding_id: 'f-2', asset_id: 'a-1002' } },
      { type: 'scan.progress', data: { scan_id: 'sc-1', asset_id: 'a-1001' } },
      { type: 'finding.new', data: { finding_id: 'f-3', asset: { id: 'a-1001', name: 'api.example.com' } } },
    ]);
    const stream = await connect(streamUrl(sim, { events: 'finding.new', asset_id: 'a-1001' }), { 'last-event-id': first! });
    await stream.waitForCount(2);
    await sleep(50);
    expect(idsOf(stream.events)).toEqual([wanted[0], wanted[3]]);
  });

  it('streams live only, without error, for an id it never issued', async () => {
    const sim = await start();
    sim.generate(3);
    const stream = await connect(streamUrl(sim), { 'last-event-id': 'evt-unknown' });
    const [live] = sim.generate(1);
    await stream.waitForCount(1);
    expect(idsOf(stream.events)).toEqual([live]);
  });

  it('streams live only for an id older than the replay window', async () => {
    const sim = await start({ replayWindowMs: 100 });
    const [expired] = sim.generate(3);
    await sleep(250);
    const stream = await connect(streamUrl(sim), { 'last-event-id': expired! });
    const [live] = sim.generate(1);
    await stream.waitForCount(1);
    expect(idsOf(stream.events)).toEqual([live]);
  });

  it('keeps at most replayMaxEvents events replayable', async () => {
    const sim = await start({ replayMaxEvents: 5 });
    const published = sim.generate(10);
    const evicted = await connect(streamUrl(sim), { 'last-event-id': published[4]! });
    const kept = await connect(streamUrl(sim), { 'last-event-id': published[6]! });
    const [live] = sim.generate(1);
    await evicted.waitForCount(1);
    await kept.waitForCount(4);
    expect(idsOf(evicted.events)).toEqual([live]);
    expect(idsOf(kept.events)).toEqual([...published.slice(7), live]);
  });

  it('resumes after a heartbeat id, replaying what followed it', async () => {
    const sim = await start({ heartbeatIntervalMs: 30 });
    const first = await connect(streamUrl(sim));
    await first.waitForCount(1);
    const heartbeat = first.events[0]!;
    first.close();
    const missed = sim.generate(2);
    const second = await connect(streamUrl(sim), { 'last-event-id': heartbeat.id! });
    await second.waitFor((got) => got.filter((event) => event.event !== 'heartbeat').length === 2);
    expect(idsOf(second.events.filter((event) => event.event !== 'heartbeat'))).toEqual(missed);
  });

  it('resumes a dropped stream without gaps or duplicates', async () => {
    const sim = await start();
    const stream = await connect(streamUrl(sim));
    const before = sim.generate(3);
    await stream.waitForCount(3);
    sim.dropConnections();
    await stream.ended;
    const during = sim.generate(3);
    const resumed = await connect(streamUrl(sim), { 'last-event-id': stream.events.at(-1)!.id! });
    const after = sim.generate(3);
    await resumed.waitForCount(6);
    expect(idsOf([...stream.events, ...resumed.events])).toEqual([...before, ...during, ...after]);
    expect(sim.published()).toEqual([...before, ...during, ...after]);
  });
});
