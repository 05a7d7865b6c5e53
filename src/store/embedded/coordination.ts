import type { CoordinationStore, DurableQueue, QueuedItem, SeenSet } from '../coordination.js';
import type { EmbeddedContext } from './context.js';
import type { Write } from './database.js';
import { padded, under } from './keys.js';

/** Items a queue read looks at: a queue of scans to follow stays far below it. */
const QUEUE_READ_LIMIT = 10_000;
/** Expired seen ids deleted per pruning, at most every PRUNE_INTERVAL_MS per seen-set. */
const PRUNE_LIMIT = 1_000;
const PRUNE_INTERVAL_MS = 10_000;

const queuePrefix = (name: string) => `queue!${name}!`;
const seenKey = (name: string, id: string) => `seen-set!${name}!${id}`;
const seenAtPrefix = 'seen-set-at!';
const seenAtKey = (until: number, name: string, id: string) => `${seenAtPrefix}${padded(until)}!${name}!${id}`;

/**
 * Coordination for the embedded store, which one process holds alone (its directory lock keeps
 * any other out): leases live in memory (there is nobody to share them with, and a restart starts
 * over), tokens increase for the process's life so fencing still holds between two holders in this
 * process; queues and seen-sets are on disk, so they survive restarts.
 */
export class EmbeddedCoordination implements CoordinationStore {
  readonly #leases = new Map<string, { owner: string; token: number; expires: number }>();
  readonly #tokens = new Map<string, number>();

  constructor(private readonly context: EmbeddedContext) {}

  async acquire(name: string, owner: string, ttlMs: number): Promise<number | undefined> {
    const held = this.#live(name);
    if (held) return undefined;
    const token = (this.#tokens.get(name) ?? 0) + 1;
    this.#tokens.set(name, token);
    this.#leases.set(name, { owner, token, expires: Date.now() + ttlMs });
    return token;
  }

  async renew(name: string, owner: string, token: number, ttlMs: number): Promise<boolean> {
    const held = this.#live(name);
    if (!held || held.owner !== owner || held.token !== token) return false;
    held.expires = Date.now() + ttlMs;
    return true;
  }

  async release(name: string, owner: string, token: number): Promise<void> {
    const held = this.#leases.get(name);
    if (held && held.owner === owner && held.token === token) this.#leases.delete(name);
  }

  async holder(name: string): Promise<string | undefined> {
    return this.#live(name)?.owner;
  }

  async announce(): Promise<number> {
    return 1;
  }

  /** The lease's latest token, for ingest's fence check. */
  currentToken(name: string): number | undefined {
    return this.#tokens.get(name);
  }

  queue(name: string): DurableQueue {
    return new EmbeddedQueue(this.context, queuePrefix(name));
  }

  seen(name: string): SeenSet {
    return new EmbeddedSeenSet(this.context, name);
  }

  #live(name: string): { owner: string; token: number; expires: number } | undefined {
    const held = this.#leases.get(name);
    if (held && held.expires <= Date.now()) {
      this.#leases.delete(name);
      return undefined;
    }
    return held;
  }
}

interface StoredItem {
  readonly at: number;
  readonly value: string;
}

class EmbeddedQueue implements DurableQueue {
  /** Breaks ties between items added in the same ms, for this process's life. */
  #sequence = 0;

  constructor(
    private readonly context: EmbeddedContext,
    private readonly prefix: string,
  ) {}

  add(item: string, value: string): Promise<boolean> {
    const { db, writer } = this.context;
    return writer.run(async () => {
      if ((await db.get(this.prefix + item)) !== undefined) return false;
      const stored: StoredItem & { seq: number } = { at: Date.now(), seq: ++this.#sequence, value };
      await writer.commit([{ type: 'put', key: this.prefix + item, value: JSON.stringify(stored) }], true);
      return true;
    });
  }

  async peek(limit: number): Promise<QueuedItem[]> {
    if (limit < 1) return [];
    const entries = await this.context.db.iterator({ ...under(this.prefix), limit: QUEUE_READ_LIMIT }).all();
    return entries
      .map(([key, json]) => ({ item: key.slice(this.prefix.length), stored: JSON.parse(json) as StoredItem & { seq?: number } }))
      .sort((a, b) => a.stored.at - b.stored.at || (a.stored.seq ?? 0) - (b.stored.seq ?? 0))
      .slice(0, limit)
      .map(({ item, stored }) => ({ item, value: stored.value }));
  }

  remove(item: string): Promise<void> {
    return this.context.writer.run(() => this.context.writer.commit([{ type: 'del', key: this.prefix + item }], true));
  }

  async size(): Promise<number> {
    return (await this.context.db.keys({ ...under(this.prefix), limit: QUEUE_READ_LIMIT }).all()).length;
  }
}

class EmbeddedSeenSet implements SeenSet {
  #pruneDueAt = 0;

  constructor(
    private readonly context: EmbeddedContext,
    private readonly name: string,
  ) {}

  async unseen(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const until = await this.context.db.getMany(ids.map((id) => seenKey(this.name, id)));
    const now = Date.now();
    return ids.filter((_, i) => !(Number(until[i]) > now));
  }

  mark(ids: readonly string[], retentionMs: number): Promise<void> {
    const { db, writer } = this.context;
    return writer.run(async () => {
      const now = Date.now();
      const until = now + retentionMs;
      const writes: Write[] = [];
      const marking = new Set(ids.map((id) => seenKey(this.name, id)));
      for (const id of new Set(ids)) {
        writes.push({ type: 'put', key: seenKey(this.name, id), value: String(until) }, { type: 'put', key: seenAtKey(until, this.name, id), value: '' });
      }
      // Forget what has expired, a page at a time and now and then (marks come with every batch of
      // findings); an id marked again later has a newer index key.
      const prune = now >= this.#pruneDueAt;
      const expired = prune ? await db.keys({ gt: seenAtPrefix, lt: `${seenAtPrefix}${padded(now)}`, limit: PRUNE_LIMIT }).all() : [];
      if (prune && expired.length < PRUNE_LIMIT) this.#pruneDueAt = now + PRUNE_INTERVAL_MS;
      const marks = await db.getMany(expired.map(seenKeyOfIndex));
      expired.forEach((key, i) => {
        writes.push({ type: 'del', key });
        const mark = seenKeyOfIndex(key);
        if (Number(marks[i]) <= now && !marking.has(mark)) writes.push({ type: 'del', key: mark });
      });
      // Not fsync'd: a mark lost in a machine crash only lets a finding be backfilled twice.
      await writer.commit(writes, false);
    });
  }
}

/** `seen-set-at!<until>!<name>!<id>` → `seen-set!<name>!<id>`. */
function seenKeyOfIndex(indexKey: string): string {
  return `seen-set!${indexKey.slice(seenAtPrefix.length + padded(0).length + 1)}`;
}
