import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CoordinationStore, Fence } from '../store/coordination.js';

/**
 * Part of the lease kept as a safety margin against clock drift and slow round trips: a holder
 * counts its lease valid only until `ttl × (1 − margin)` after it asked for it or renewed it.
 */
const MARGIN = 0.2;

/** A name for this process among replicas: the store's consumer name, the pid, a random tag. */
export function replicaName(consumer: string = hostname()): string {
  return `${consumer}#${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Rejects after `ms`: store calls wait while Redis is away, a lease must not. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from the store within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A lease this process holds, with its fencing token. It is renewed by its owner's loop; it
 * counts itself valid only while a renewal asked for less than `ttl × (1 − margin)` ago, so a
 * holder that could not renew (Redis away, process paused) stops acting before another can take
 * over; the fencing token, checked by the store, covers what is already in flight.
 */
export class HeldLease {
  #validUntil: number;
  #lost = false;

  private constructor(
    private readonly store: CoordinationStore,
    readonly name: string,
    readonly owner: string,
    readonly token: number,
    private readonly ttlMs: number,
    askedAt: number,
  ) {
    this.#validUntil = askedAt + ttlMs * (1 - MARGIN);
  }

  /** Takes lease `name` if free; undefined when another holds it. */
  static async acquire(store: CoordinationStore, name: string, owner: string, ttlMs: number, timeoutMs = ttlMs / 3): Promise<HeldLease | undefined> {
    const askedAt = Date.now();
    const token = await withTimeout(store.acquire(name, owner, ttlMs), timeoutMs, `acquiring lease ${name}`);
    return token === undefined ? undefined : new HeldLease(store, name, owner, token, ttlMs, askedAt);
  }

  get fence(): Fence {
    return { lease: this.name, token: this.token };
  }

  /** Whether this process may still act on it. */
  get valid(): boolean {
    return !this.#lost && Date.now() < this.#validUntil;
  }

  /**
   * Extends it. False when it is lost (expired, taken, or not renewed in time); a store that does
   * not answer within `timeoutMs` leaves it valid until its deadline.
   */
  async renew(timeoutMs = this.ttlMs / 3): Promise<boolean> {
    if (this.#lost) return false;
    const askedAt = Date.now();
    try {
      if (await withTimeout(this.store.renew(this.name, this.owner, this.token, this.ttlMs), timeoutMs, `renewing lease ${this.name}`)) {
        this.#validUntil = askedAt + this.ttlMs * (1 - MARGIN);
        return true;
      }
      this.#lost = true;
      return false;
    } catch {
      if (!this.valid) this.#lost = true;
      return !this.#lost;
    }
  }

  /** Gives it up (best effort: an unreachable store lets it expire). */
  async release(timeoutMs = this.ttlMs / 3): Promise<void> {
    this.#lost = true;
    await withTimeout(this.store.release(this.name, this.owner, this.token), timeoutMs, `releasing lease ${this.name}`).catch(() => undefined);
  }

  /** Marks it lost (the store refused a write with its token). */
  lose(): void {
    this.#lost = true;
  }
}
