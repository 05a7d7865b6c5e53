/**
 * What replicas sharing one store use to divide the work and stay inside the tier's connection
 * budget: leases with fencing tokens, a presence count, durable queues and seen-sets with a
 * retention. Redis implements them for any number of processes; the embedded store, which one
 * process holds alone, implements them trivially (leases in memory, queues and seen-sets on disk).
 */
export interface CoordinationStore {
  /**
   * Takes lease `name` for `owner` for `ttlMs` if nobody holds it, or an earlier life of `owner`
   * does (same consumer name before `#`, see replicaName). Returns its fencing token, higher than
   * any token this lease had before; undefined when another holder has it.
   */
  acquire(name: string, owner: string, ttlMs: number): Promise<number | undefined>;
  /** Extends a lease `owner` holds with `token` by `ttlMs`; false when it expired or was taken. */
  renew(name: string, owner: string, token: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up, only while `owner` still holds it with `token`. */
  release(name: string, owner: string, token: number): Promise<void>;
  /** Who holds lease `name` now, for status and tests. */
  holder(name: string): Promise<string | undefined>;
  /** Says `replica` is alive for `ttlMs`; returns how many replicas are alive, this one included. */
  announce(replica: string, ttlMs: number): Promise<number>;
  /** A durable FIFO of unique items, shared by every replica (it survives restarts). */
  queue(name: string): DurableQueue;
  /** Ids remembered for a retention, shared by every replica. */
  seen(name: string): SeenSet;
}

export interface QueuedItem {
  readonly item: string;
  /** What was queued with it (JSON, by convention). */
  readonly value: string;
}

export interface DurableQueue {
  /** Appends `item` unless it is queued already; true when added. */
  add(item: string, value: string): Promise<boolean>;
  /** The oldest `limit` items, oldest first, left in the queue. */
  peek(limit: number): Promise<QueuedItem[]>;
  remove(item: string): Promise<void>;
  size(): Promise<number>;
}

export interface SeenSet {
  /** Of `ids`, those not marked within their retention, in the order given. */
  unseen(ids: readonly string[]): Promise<string[]>;
  /** Marks `ids` seen for `retentionMs`. */
  mark(ids: readonly string[], retentionMs: number): Promise<void>;
}

/** Ingest guarded by a lease: refused unless `token` is still the lease's latest fencing token. */
export interface Fence {
  readonly lease: string;
  readonly token: number;
}

/**
 * Ingest refused by the fence: another replica took the lease since this one got its token (this
 * process was paused, or cut off from the store, past its lease). Nothing was written.
 */
export class FencedError extends Error {
  override readonly name = 'FencedError';

  constructor(lease: string, token: number) {
    super(`lease ${lease} was taken over by another replica (our fencing token ${token} is stale): nothing written`);
  }
}

/** The lease name of a subscription (also the fence its ingest checks). */
export function subscriptionLease(subscription: string): string {
  return `sub:${subscription}`;
}
