import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { route } from '../src/config/rules.js';
import { silentLogger } from '../src/observability/logger.js';
import { DigestFlusher } from '../src/pipeline/digest.js';
import type { Envelope } from '../src/pipeline/envelope.js';
import { Dedupe } from '../src/pipeline/throttle.js';
import { keyTag } from '../src/store/redis/keys.js';
import { createRedisStore, type RedisStore } from '../src/store/redis/redis-store.js';
import { event, rulesIssues } from './pipeline.helpers.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';

let prefix: string;
let stores: RedisStore[] = [];
const open = async () => {
  const store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix, consumer: 'w1' });
  stores.push(store);
  return store;
};
beforeEach(() => {
  prefix = uniquePrefix('throttle');
});
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
  await deleteKeys(keyTag(prefix));
});

const finding = (id: string, findingId?: string, receivedAt = 1_000): Envelope => ({ ...event('finding.new', findingId ? { finding_id: findingId, severity: 'low' } : {}, id), receivedAt });

describe('dedupe', () => {
  const slack = route.parse({ name: 'slack-once', to: ['slack'], dedupe: { key: '{{data.finding_id}}', window: '1h' } });

  it('delivers a key once per window, across a restart (the window lives in Redis)', async () => {
    const dedupe = new Dedupe((await open()).routeState(), 'https://app.s4e.io');
    expect(await dedupe.admit(slack, finding('e1', 'f-1'))).toBe(true);
    expect(await dedupe.admit(slack, finding('e2', 'f-1'))).toBe(false);
    expect(await dedupe.admit(slack, finding('e3', 'f-2'))).toBe(true);

    await stores[0]!.close();
    const restarted = new Dedupe((await open()).routeState(), 'https://app.s4e.io');
    expect(await restarted.admit(slack, finding('e4', 'f-1'))).toBe(false);
    // The event that opened the window, replayed after a crash before its ingest: still delivered.
    expect(await restarted.admit(slack, finding('e1', 'f-1'))).toBe(true);
  });

  it('opens a new window once the last one has passed', async () => {
    const short = route.parse({ name: 'short', to: ['slack'], dedupe: { key: '{{data.finding_id}}', window: '150ms' } });
    const dedupe = new Dedupe((await open()).routeState(), '');
    expect(await dedupe.admit(short, finding('e1', 'f-1'))).toBe(true);
    expect(await dedupe.admit(short, finding('e2', 'f-1'))).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(await dedupe.admit(short, finding('e3', 'f-1'))).toBe(true);
  });

  it('never holds back an event whose key renders empty', async () => {
    const dedupe = new Dedupe((await open()).routeState(), '');
    expect(await dedupe.admit(slack, finding('e1'))).toBe(true);
    expect(await dedupe.admit(slack, finding('e2'))).toBe(true);
  });
});

describe('digest', () => {
  const lows = route.parse({ name: 'lows', to: ['slack', 'teams'], digest: { window: '5m', max_events: 3 } });

  async function hold(store: RedisStore, envelopes: Envelope[]) {
    await store.ingest('all', envelopes.map((envelope) => ({ kind: 'event' as const, envelope, connectors: [], digests: ['lows'] })));
  }

  const digestsIn = async (store: RedisStore, connector: string) => (await store.outbox(connector).take(100, 0)).map((e) => e.envelope);

  it('holds events durably until the window has passed, then delivers them as one digest', async () => {
    let now = 1_000;
    const store = await open();
    await hold(store, [finding('e1', 'f-1', 1_000), finding('e2', 'f-2', 2_000)]);
    const flusher = new DigestFlusher({ store, logger: silentLogger, tickMs: 10, now: () => now });
    flusher.setRoutes([lows]);
    flusher.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(await digestsIn(store, 'slack')).toEqual([]);
    expect(await (await open()).digest('lows').peek(10)).toHaveLength(2); // another replica, or after a restart, sees them held

    now = 1_000 + 300_000;
    await vi.waitFor(async () => expect(await store.digest('lows').peek(10)).toEqual([]));
    await flusher.stop();
    for (const connector of ['slack', 'teams']) {
      const [digest, ...more] = await digestsIn(store, connector);
      expect(more).toEqual([]);
      expect(digest).toMatchObject({ type: 'digest', severity: 'low', data: { route: 'lows', count: 2 } });
      expect((digest!.data.events as { id: string; data: unknown }[]).map((e) => e.id)).toEqual(['e1', 'e2']);
    }
  });

  it('flushes as soon as max_events are held, without waiting for the window', async () => {
    const store = await open();
    const flusher = new DigestFlusher({ store, logger: silentLogger, tickMs: 60_000, now: () => 1_000 });
    flusher.setRoutes([lows]);
    await hold(store, Array.from({ length: 7 }, (_, i) => finding(`e${i}`, `f-${i}`)));
    flusher.added(['lows']);
    await flusher.stop();
    const digests = await digestsIn(store, 'slack');
    expect(digests.map((d) => d.data.count)).toEqual([3, 3]);
    expect(await store.digest('lows').peek(10)).toHaveLength(1);
  });

  it('flushes a buffer once when two replicas race for it', async () => {
    const [a, b] = [await open(), await open()];
    await hold(a, [finding('e1', 'f-1')]);
    const held = await a.digest('lows').peek(10);
    const digest = { ...held[0]!.envelope, type: 'digest' };
    const refs = held.map((h) => h.ref);
    expect(await Promise.all([a.digest('lows').flush(refs, digest, ['slack']), b.digest('lows').flush(refs, digest, ['slack'])])).toEqual(
      expect.arrayContaining([true, false]),
    );
    expect(await digestsIn(a, 'slack')).toHaveLength(1);
  });

  it('flushes the buffer of a route that a reload removed', async () => {
    const store = await open();
    await hold(store, [finding('e1', 'f-1')]);
    const flusher = new DigestFlusher({ store, logger: silentLogger, tickMs: 60_000, now: () => 1_000 });
    flusher.setRoutes([lows]);
    flusher.setRoutes([]);
    await flusher.stop();
    expect((await digestsIn(store, 'slack')).map((d) => d.data.count)).toEqual([1]);
  });

  it('refuses a digest to a connector that does not take digests', () => {
    const issues = rulesIssues(`routes:
  - name: lows
    to: [splunk]
    digest: { window: 5m }
`);
    expect(issues).toEqual([expect.objectContaining({ path: 'routes[0].to[0]', line: 17, message: expect.stringContaining('does not take digests') })]);
  });
});
