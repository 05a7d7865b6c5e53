import PQueue from 'p-queue';
import type { Connector } from '../../connectors/types.js';
import { Backoff, sleep as realSleep } from '../backoff.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { Outbox, OutboxEntry } from '../store/types.js';
import { unlessAborted } from './abort.js';
import { BatchDelivery, messageOf } from './batch.js';
import type { DeliveryEvents } from './events.js';
import { FailureLog } from './failure-log.js';
import { takeBatch } from './fill.js';
import type { BatchOptions, DeliveryOptions } from './options.js';

/** How long `stop()` lets in-flight deliveries finish by default, ms. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

export interface DeliveryWorkerOptions {
  readonly connectorName: string;
  readonly connector: Connector;
  readonly outbox: Outbox;
  readonly batch: BatchOptions;
  readonly delivery: DeliveryOptions;
  /** Silent by default. */
  readonly logger?: Logger;
  readonly events?: DeliveryEvents;
  /** Waits between attempts; `sleep` from backoff.ts by default. Must reject or resolve when `signal` aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Epoch ms; `Date.now` by default. */
  readonly now?: () => number;
  /** Backoff jitter in [0, 1); `Math.random` by default. */
  readonly random?: () => number;
}

/**
 * Drains one connector's outbox: takes batches, runs up to `delivery.concurrency` of them at
 * once and retries each until it is acked or dead-lettered. The one delivery mechanism for
 * every connector (after Alertmanager's RetryStage and Vector's retries); connectors only
 * classify. Delivery is at least once: whatever is not acked stays in the outbox.
 */
export class DeliveryWorker {
  readonly #options: DeliveryWorkerOptions;
  readonly #logger: Logger;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #queue: PQueue;
  readonly #batches: BatchDelivery;
  readonly #stopping = new AbortController();
  readonly #aborting = new AbortController();
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(options: DeliveryWorkerOptions) {
    this.#options = options;
    this.#logger = (options.logger ?? silentLogger).child({ connector: options.connectorName });
    this.#sleep = options.sleep ?? realSleep;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#queue = new PQueue({ concurrency: options.delivery.concurrency });
    this.#batches = new BatchDelivery({
      connector: options.connector,
      outbox: options.outbox,
      delivery: options.delivery,
      logger: this.#logger,
      events: options.events ?? {},
      failures: new FailureLog(this.#logger, { failing: 'deliveries failing', recovered: 'deliveries recovered' }, this.#now),
      sleep: this.#sleep,
      now: this.#now,
      random: this.#random,
      stopping: this.#stopping.signal,
      aborting: this.#aborting.signal,
    });
  }

  start(): void {
    if (this.#loop) throw new Error(`delivery worker ${this.#options.connectorName} was already started`);
    this.#loop = this.#run();
  }

  /**
   * Stops taking entries, lets deliveries in flight finish for up to `graceMs`, then aborts
   * them. Batches taken but not started, and anything not acked, simply stay in the outbox.
   */
  stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    this.#stopped ??= this.#stop(graceMs);
    return this.#stopped;
  }

  async #stop(graceMs: number): Promise<void> {
    this.#stopping.abort();
    await this.#loop;
    this.#queue.clear();
    await unlessAborted(this.#queue.onIdle(), AbortSignal.timeout(graceMs)).catch(() => this.#aborting.abort());
    await this.#queue.onIdle();
  }

  async #run(): Promise<void> {
    const stopping = this.#stopping.signal;
    const outboxFailures = new FailureLog(this.#logger, { failing: 'outbox unavailable', recovered: 'outbox available again' }, this.#now);
    const backoff = new Backoff(this.#options.delivery.retry, this.#random);
    while (!stopping.aborted) {
      try {
        // Hold at most concurrency + 1 batches (one running per slot, one waiting): the
        // backlog stays in the store, not on the heap.
        await unlessAborted(this.#queue.onSizeLessThan(1), stopping);
        // Stop does not wait for a blocked take: what it may still return stays in the outbox.
        const entries = await unlessAborted(takeBatch(this.#options.outbox, this.#options.batch, this.#now), stopping);
        outboxFailures.recovered();
        backoff.reset();
        if (entries.length > 0) this.#enqueue(entries);
      } catch (error) {
        if (stopping.aborted) return;
        const delayMs = backoff.next();
        outboxFailures.failing(messageOf(error), delayMs);
        await this.#sleep(delayMs, stopping).catch(() => {});
      }
    }
  }

  #enqueue(entries: readonly OutboxEntry[]): void {
    // Per-finding order would go here: concurrent batches, and retries that resend part of a
    // batch, can deliver two events of one finding out of order. Routing each finding to
    // one lane (batches keyed by finding) would keep them in order.
    this.#queue.add(() => this.#batches.deliver(entries)).catch((error: unknown) => {
      // A store call failed (or a bug): the batch's unacked entries stay in the outbox.
      this.#logger.error({ err: error }, 'batch abandoned; its unacked entries stay in the outbox');
    });
  }
}
