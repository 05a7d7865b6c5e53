import type { Logger } from '../observability/logger.js';
import { subscriptionLease, type CoordinationStore, type Fence } from '../store/coordination.js';
import { HeldLease, withTimeout } from './lease.js';

/** Rounds a subscription must stay free before a replica already at its share takes it. */
const SEEN_FREE = 3;

export interface SubscriptionAssignmentOptions {
  readonly store: CoordinationStore;
  /** This replica's unique name (replicaName()). */
  readonly owner: string;
  /** Every subscription of the config, in config order. */
  readonly subscriptions: readonly string[];
  readonly leaseMs: number;
  readonly logger: Logger;
  /** Open the subscription: this replica now holds it, writing under `fence`. */
  open(subscription: string, fence: Fence): void;
  /** Close it (the lease is lost or the replica stops); resolves once no write of it is in flight. */
  close(subscription: string): Promise<void>;
  /**
   * Whether a subscription may be handed over to a replica with fewer: only once it has a
   * checkpoint, or the events between this replica's close and the next one's connect would not
   * be replayed. Default: always.
   */
  canHandOver?(subscription: string): Promise<boolean>;
  /** Told after each round, for metrics and status. */
  onChange?(held: readonly string[], replicas: number): void;
}

/**
 * Divides the subscriptions among the replicas sharing the store: each is held by the replica
 * whose lease on it is current, renewed every third of the lease; a replica tries to take those
 * nobody holds every round. Fairness without a leader: each replica's share is the subscriptions
 * ÷ live replicas (they announce themselves), rounded up; below it, a replica takes what is free;
 * at it, only what stayed free for SEEN_FREE rounds (so nothing stays unheld, whatever the counts
 * say); above it for two rounds in a row (a replica joined), it hands one back, which the
 * newcomer takes at its next round: the stream resumes there from the checkpoint, and never are
 * two connections open for one subscription. A subscription whose lease is lost (expired while
 * this process was paused or cut off, or refused by the fence) is closed at once.
 */
export class SubscriptionAssignment {
  readonly #o: SubscriptionAssignmentOptions;
  readonly #held = new Map<string, HeldLease>();
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #rounds = 0;
  #replicas = 1;
  /** Rounds in a row this replica held more than its share. */
  #overShare = 0;
  /** Per subscription not held: rounds in a row it was seen free while this replica was at its share. */
  readonly #seenFree = new Map<string, number>();
  #stopped = false;

  constructor(options: SubscriptionAssignmentOptions) {
    this.#o = options;
  }

  /** Starts the rounds: the first at once. */
  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#kick();
    this.#timer = setInterval(() => this.#kick(), this.#o.leaseMs / 3);
  }

  /** Stops the rounds, closes every held subscription, then releases its lease for another replica. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#round;
    await Promise.all(
      [...this.#held.entries()].map(async ([name, lease]) => {
        await this.#o.close(name);
        await lease.release();
      }),
    );
    this.#held.clear();
  }

  held(): string[] {
    return [...this.#held.keys()];
  }

  /** The fence for writes of `subscription`, while this replica holds it validly. */
  fence(subscription: string): Fence | undefined {
    const lease = this.#held.get(subscription);
    return lease?.valid ? lease.fence : undefined;
  }

  /** The store refused a write of `subscription` with our token: it is someone else's now. */
  fenced(subscription: string): void {
    const lease = this.#held.get(subscription);
    if (!lease) return;
    lease.lose();
    this.#o.logger.warn({ subscription, token: lease.token }, 'another replica took this subscription over (our lease had expired): closing it here');
    void this.#drop(subscription);
  }

  /** One round now, unless one is under way; a round never overlaps the next. */
  #kick(): void {
    if (this.#round || this.#stopped) return;
    this.#round = this.#once()
      .catch((error: Error) => this.#o.logger.warn({ err: error.message }, 'subscription assignment round failed; retrying next round'))
      .finally(() => (this.#round = undefined));
  }

  async #once(): Promise<void> {
    const { store, owner, subscriptions, leaseMs, logger } = this.#o;
    this.#rounds += 1;
    this.#replicas = await withTimeout(store.announce(owner, leaseMs), leaseMs / 3, 'announcing this replica').catch(() => this.#replicas);
    let changed = false;

    for (const [name, lease] of [...this.#held]) {
      if (this.#stopped) return;
      if (!(await lease.renew())) {
        logger.warn({ subscription: name, token: lease.token }, 'lost the lease on this subscription (not renewed in time): closing it here; another replica takes it over');
        await this.#drop(name);
        changed = true;
      }
    }

    const share = Math.ceil(subscriptions.length / Math.max(1, this.#replicas));
    this.#overShare = this.#held.size > share ? this.#overShare + 1 : 0;
    if (this.#overShare >= 2) {
      this.#overShare = 0;
      let handOver: [string, HeldLease] | undefined;
      for (const entry of [...this.#held].reverse()) {
        if (await Promise.resolve(this.#o.canHandOver?.(entry[0]) ?? true).catch(() => false)) {
          handOver = entry;
          break;
        }
      }
      if (!handOver) return;
      const [name, lease] = handOver;
      logger.info({ subscription: name, held: this.#held.size, share, replicas: this.#replicas }, 'handing a subscription over to a replica with fewer');
      await this.#drop(name);
      await lease.release();
      this.#seenFree.set(name, -SEEN_FREE); // not ours again before the others had their turn
      return;
    }
    // Rotated by round, so replicas starting together do not all go for the same first one.
    const order = subscriptions.map((_, i) => subscriptions[(i + this.#rounds) % subscriptions.length]!);
    for (const name of order) {
      if (this.#stopped) return;
      if (this.#held.has(name)) continue;
      if (this.#held.size >= share) {
        const free = (await withTimeout(store.holder(subscriptionLease(name)), leaseMs / 3, 'reading a lease').catch(() => 'unknown')) === undefined;
        const rounds = free ? (this.#seenFree.get(name) ?? 0) + 1 : Math.min(0, this.#seenFree.get(name) ?? 0);
        this.#seenFree.set(name, rounds);
        if (rounds < SEEN_FREE) continue;
      }
      const lease = await HeldLease.acquire(store, subscriptionLease(name), owner, leaseMs).catch(() => undefined);
      if (!lease) continue;
      if (this.#stopped) {
        await lease.release();
        return;
      }
      this.#held.set(name, lease);
      this.#seenFree.delete(name);
      logger.info({ subscription: name, token: lease.token, replicas: this.#replicas }, 'holding this subscription (its lease is ours)');
      this.#o.open(name, lease.fence);
      changed = true;
    }
    if (changed || this.#rounds === 1) this.#o.onChange?.(this.held(), this.#replicas);
  }

  async #drop(name: string): Promise<void> {
    const lease = this.#held.get(name);
    if (!lease) return;
    this.#held.delete(name);
    await this.#o.close(name);
    this.#o.onChange?.(this.held(), this.#replicas);
  }
}
