import type { Redis } from 'ioredis';
import type { CoordinationStore, DurableQueue, QueuedItem, SeenSet } from '../coordination.js';
import { execChecked } from './connection.js';
import type { RedisKeys } from './keys.js';
import type { Scripts } from './scripts.js';

/**
 * Coordination on Redis, shared by every replica with the same key prefix. A lease is a string
 * `<owner>\n<token>` with a TTL (SET NX PX in lua/acquire-1.lua), its fencing token a counter
 * INCR'd on every acquisition and checked by lua/ingest-4.lua. Redis keeps the time: a lease
 * expires by Redis's clock, whatever the replicas' clocks say.
 */
export class RedisCoordination implements CoordinationStore {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: Scripts,
    private readonly keys: RedisKeys,
  ) {}

  acquire(name: string, owner: string, ttlMs: number): Promise<number | undefined> {
    return this.scripts.acquire(this.keys.lease(name), this.keys.fence(name), owner, px(ttlMs), FENCE_TTL_MS, earlierLives(owner));
  }

  renew(name: string, owner: string, token: number, ttlMs: number): Promise<boolean> {
    return this.scripts.renew(this.keys.lease(name), this.keys.fence(name), leaseValue(owner, token), px(ttlMs), FENCE_TTL_MS);
  }

  async release(name: string, owner: string, token: number): Promise<void> {
    await this.scripts.deleteIfValue(this.keys.lease(name), leaseValue(owner, token));
  }

  async holder(name: string): Promise<string | undefined> {
    const value = await this.redis.get(this.keys.lease(name));
    return value === null ? undefined : value.slice(0, value.lastIndexOf('\n'));
  }

  announce(replica: string, ttlMs: number): Promise<number> {
    return this.scripts.announce(this.keys.replicas, replica, px(ttlMs));
  }

  queue(name: string): DurableQueue {
    return new RedisQueue(this.redis, this.keys.queue(name));
  }

  seen(name: string): SeenSet {
    return new RedisSeenSet(this.redis, this.scripts, this.keys.seenSet(name));
  }
}

/** A FIFO of unique items: a sorted set scored by when each was added, and a hash of their values. */
class RedisQueue implements DurableQueue {
  constructor(
    private readonly redis: Redis,
    private readonly keys: { order: string; values: string },
  ) {}

  async add(item: string, value: string): Promise<boolean> {
    // One MULTI: an item is in both or in neither. Ordered by the adding replica's clock, which
    // is first in, first out as nearly as replicas' clocks agree.
    const [added] = await execChecked(this.redis.multi().zadd(this.keys.order, 'NX', Date.now(), item).hsetnx(this.keys.values, item, value));
    return added === 1;
  }

  async peek(limit: number): Promise<QueuedItem[]> {
    if (limit < 1) return [];
    const items = await this.redis.zrange(this.keys.order, 0, limit - 1);
    if (items.length === 0) return [];
    const values = await this.redis.hmget(this.keys.values, ...items);
    return items.flatMap((item, i) => (values[i] === null ? [] : [{ item, value: values[i]! }]));
  }

  async remove(item: string): Promise<void> {
    await execChecked(this.redis.multi().zrem(this.keys.order, item).hdel(this.keys.values, item));
  }

  size(): Promise<number> {
    return this.redis.zcard(this.keys.order);
  }
}

class RedisSeenSet implements SeenSet {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: Scripts,
    private readonly key: string,
  ) {}

  async unseen(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const scores = (await this.redis.call('ZMSCORE', this.key, ...ids)) as (string | null)[];
    const now = Date.now();
    return ids.filter((_, i) => scores[i] === null || Number(scores[i]) <= now);
  }

  async mark(ids: readonly string[], retentionMs: number): Promise<void> {
    // In slices, so one call never holds Redis for long.
    for (let i = 0; i < ids.length; i += MARK_SLICE) await this.scripts.markSeen(this.key, ids.slice(i, i + MARK_SLICE), px(retentionMs));
  }
}

const MARK_SLICE = 1_000;
/** How long a lease's fence counter outlives its last acquisition or renewal: 30 days. */
const FENCE_TTL_MS = 30 * 86_400_000;

/**
 * Owners that are earlier lives of `owner` (`<consumer>#<pid>-<tag>`, see replicaName): the same
 * stable consumer name, which no two live replicas share (their outbox reads would collide).
 */
function earlierLives(owner: string): string {
  const hash = owner.lastIndexOf('#');
  return hash > 0 ? owner.slice(0, hash + 1) : '';
}

function leaseValue(owner: string, token: number): string {
  return `${owner}\n${token}`;
}

/** PX takes a whole number of ms, at least 1. */
function px(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}
