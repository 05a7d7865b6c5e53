import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HeldLease } from '../src/coordination/lease.js';
import { SubscriptionAssignment } from '../src/coordination/subscription-assignment.js';
import { silentLogger } from '../src/observability/logger.js';
import { FencedError, subscriptionLease } from '../src/store/coordination.js';
import { createEmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { keyTag } from '../src/store/redis/keys.js';
import { createRedisStore } from '../src/store/redis/redis-store.js';
import type { Store } from '../src/store/types.js';
import { waitFor } from './helpers/bridge-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { envelope, event } from './store.contract.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Make = () => Promise<Store>;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

function redisStores(): Make {
  const prefix = uniquePrefix('lease');
  cleanup.push(() => deleteKeys(keyTag(prefix)));
  return async () => {
    const store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix, consumer: 'c' });
    cleanup.push(() => store.close());
    return store;
  };
}

function embeddedStore(): Make {
  const dir = mkdtempSync(join(tmpdir(), 's4e-lease-'));
  let store: Store | undefined;
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  return async () => {
    // One process holds the embedded store: every "replica" here shares the one instance.
    store ??= await createEmbeddedStore({ path: dir });
    cleanup.push(async () => store!.close());
    return store;
  };
}

describe.each([
  ['redis', redisStores],
  ['embedded', embeddedStore],
] as const)('coordination on the %s store', (_, makeStores) => {
  it('gives a lease to one holder at a time, with increasing fencing tokens', async () => {
    const make = makeStores();
    const [a, b] = [(await make()).coordination(), (await make()).coordination()];
    const t1 = await a.acquire('sub:x', 'r1#1', 300);
    expect(t1).toBeGreaterThan(0);
    expect(await b.acquire('sub:x', 'r2#1', 300)).toBeUndefined();
    expect(await a.holder('sub:x')).toBe('r1#1');
    expect(await a.renew('sub:x', 'r1#1', t1!, 300)).toBe(true);
    expect(await b.renew('sub:x', 'r2#1', t1!, 300)).toBe(false);
    await sleep(400); // expired
    const t2 = await b.acquire('sub:x', 'r2#1', 300);
    expect(t2).toBeGreaterThan(t1!);
    expect(await a.renew('sub:x', 'r1#1', t1!, 300)).toBe(false);
    await a.release('sub:x', 'r1#1', t1!); // not ours any more: no effect
    expect(await b.holder('sub:x')).toBe('r2#1');
    await b.release('sub:x', 'r2#1', t2!);
    expect(await b.holder('sub:x')).toBeUndefined();
  });

  it('refuses an ingest whose fencing token is stale, writing nothing and leaving the checkpoint', async () => {
    const make = makeStores();
    const [old, next] = [await make(), await make()];
    const lease = subscriptionLease('sub');
    const t1 = (await old.coordination().acquire(lease, 'r1#1', 200))!;
    await old.ingest('sub', [event(envelope(1))], { fence: { lease, token: t1 } });
    await sleep(300);
    const t2 = (await next.coordination().acquire(lease, 'r2#1', 5_000))!;
    await next.ingest('sub', [event(envelope(2))], { fence: { lease, token: t2 } });
    // The former holder, resumed after a pause, still has an older batch in hand.
    await expect(old.ingest('sub', [event(envelope(3)), event(envelope(1))], { fence: { lease, token: t1 } })).rejects.toBeInstanceOf(FencedError);
    expect((await next.checkpoint('sub'))?.id).toBe('e2');
    const taken = await next.outbox('splunk').take(10, 0);
    expect(taken.map((e) => e.envelope.id)).toEqual(['e1', 'e2']);
  });

  it('keeps a durable FIFO queue of unique items, and a seen-set with a retention', async () => {
    const make = makeStores();
    const store = await make();
    const queue = store.coordination().queue('q');
    expect(await queue.add('s1', '{"n":1}')).toBe(true);
    await sleep(2);
    expect(await queue.add('s2', '{"n":2}')).toBe(true);
    expect(await queue.add('s1', '{"n":9}')).toBe(false);
    expect(await queue.peek(10)).toEqual([
      { item: 's1', value: '{"n":1}' },
      { item: 's2', value: '{"n":2}' },
    ]);
    await queue.remove('s1');
    expect((await queue.peek(10)).map((q) => q.item)).toEqual(['s2']);
    expect(await queue.size()).toBe(1);

    const seen = store.coordination().seen('findings');
    await seen.mark(['f1', 'f2'], 200);
    expect(await seen.unseen(['f1', 'f3', 'f2'])).toEqual(['f3']);
    await sleep(300);
    await seen.mark(['f3'], 10_000);
    expect(await seen.unseen(['f1', 'f2', 'f3'])).toEqual(['f1', 'f2']);
  });
});

describe('coordination on the embedded store', () => {
  it('keeps queued items and seen ids across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-lease-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const first = await createEmbeddedStore({ path: dir });
    await first.coordination().queue('progress').add('sc-1', '{}');
    await first.coordination().seen('findings').mark(['f-1'], 60_000);
    await first.close();
    const second = await createEmbeddedStore({ path: dir });
    cleanup.push(() => second.close());
    expect(await second.coordination().queue('progress').peek(5)).toEqual([{ item: 'sc-1', value: '{}' }]);
    expect(await second.coordination().seen('findings').unseen(['f-1', 'f-2'])).toEqual(['f-2']);
  });
});

describe('leases on Redis', () => {
  it('lets a restarted replica (same consumer name) take its own leases back at once, never another\'s', async () => {
    const make = redisStores();
    const store = (await make()).coordination();
    const t1 = await store.acquire('sub:x', 'host-a#100-aaaaaa', 60_000);
    expect(await store.acquire('sub:x', 'host-b#200-bbbbbb', 60_000)).toBeUndefined();
    // The same process never takes over its own lease (a second slot must not reuse a held one).
    expect(await store.acquire('sub:x', 'host-a#100-aaaaaa', 60_000)).toBeUndefined();
    const t2 = await store.acquire('sub:x', 'host-a#300-cccccc', 60_000);
    expect(t2).toBeGreaterThan(t1!);
    expect(await store.holder('sub:x')).toBe('host-a#300-cccccc');
  });

  it('HeldLease counts itself invalid once it could not renew in time, before another can take it', async () => {
    const make = redisStores();
    const store = (await make()).coordination();
    const lease = (await HeldLease.acquire(store, 'sub:y', 'r#1', 500))!;
    expect(lease.valid).toBe(true);
    await sleep(450); // past ttl × 0.8, not renewed
    expect(lease.valid).toBe(false);
    expect(await store.acquire('sub:y', 'other#2', 500)).toBeUndefined(); // still held in Redis
  });

  it('divides subscriptions among replicas, and a dead replica\'s are taken within the lease time', async () => {
    const make = redisStores();
    const subscriptions = ['s1', 's2', 's3', 's4'];
    const open = new Map<string, string>();
    const replica = async (name: string) => {
      const store = await make();
      const assignment = new SubscriptionAssignment({
        store: store.coordination(),
        owner: `${name}#1-x`,
        subscriptions,
        leaseMs: 1_500,
        logger: silentLogger,
        open: (s) => open.set(s, name),
        close: async (s) => {
          if (open.get(s) === name) open.delete(s);
        },
      });
      assignment.start();
      cleanup.push(() => assignment.stop());
      return { assignment, store };
    };
    const a = await replica('a');
    const b = await replica('b');
    await waitFor(() => open.size === 4, 'every subscription held');
    await waitFor(() => a.assignment.held().length === 2 && b.assignment.held().length === 2, 'an even split', 10_000);
    expect(new Set([...a.assignment.held(), ...b.assignment.held()]).size).toBe(4);

    // a is cut off from Redis for good (as dead, for the others): its leases expire, b takes them.
    const lostAt = Date.now();
    await a.store.close();
    await waitFor(() => b.assignment.held().length === 4, 'b to hold all four', 10_000);
    expect(Date.now() - lostAt).toBeLessThan(1_500 + 1_000);
    // a stopped writing before b took over: its leases count as invalid by then.
    await waitFor(() => a.assignment.held().length === 0, 'a to close what it held');
  });
});
