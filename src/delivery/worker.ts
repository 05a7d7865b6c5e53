import type { Connector } from '../../connectors/types.js';
import { Backoff, sleep as realSleep } from '../backoff.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { Outbox, OutboxEntry } from '../store/types.js';
import { unlessAborted } from './abort.js';
import { BatchDelivery, messageOf } from './batch.js';
import { Circuit, NEVER_OPEN, type AuthFailure } from './circuit.js';
import { ConnectorSlot } from './connector-slot.js';
import type { DeliveryEvents } from './events.js';
import { FailureLog } from './failure-log.js';
import { takeBatch } from './fill.js';
import { Notifier } from './notifier.js';
import type { BatchOptions, DeliveryOptions } from './options.js';
import { KeyedBatches } from './order.js';
import { RateLimiter } from './rate-limit.js';

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
 * Drains one connector's outbox: takes entries, runs up to `delivery.concurrency` batches at
 * once and retries each until it is acked or dead-lettered. The one delivery mechanism for
 * every connector (after Alertmanager's RetryStage and Vector's retries), with its policy:
 * per-finding order (order.ts), rate limit (rate-limit.ts), circuit breaker (circuit.ts);
 * connectors only classify. Delivery is at least once: whatever is not acked stays in the outbox.
 */
export class DeliveryWorker {
  readonly #options: DeliveryWorkerOptions;
  readonly #logger: Logger;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #circuit: Circuit;
  readonly #connector: ConnectorSlot;
  readonly #batches: BatchDelivery;
  readonly #taken = new KeyedBatches();
  readonly #inFlight = new Set<Promise<void>>();
  /** Notified whenever a batch finishes: room to take more, keys free again. */
  readonly #finished = new Notifier();
  /** Most entries held at once: a batch per slot and one more waiting, as the rest of the backlog stays in the store. */
  readonly #capacity: number;
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
    const { delivery } = options;
    const events = options.events ?? {};
    this.#capacity = options.batch.maxEvents * (delivery.concurrency + 1);
    this.#circuit = new Circuit(delivery.circuit ?? NEVER_OPEN, { logger: this.#logger, events, now: this.#now, sleep: this.#sleep });
    this.#connector = new ConnectorSlot(options.connector);
    this.#batches = new BatchDelivery({
      connector: this.#connector,
      outbox: options.outbox,
      delivery,
      logger: this.#logger,
      events,
      failures: new FailureLog(this.#logger, { failing: 'deliveries failing', recovered: 'deliveries recovered' }, this.#now),
      circuit: this.#circuit,
      ...(delivery.rateLimit && { rateLimiter: new RateLimiter(delivery.rateLimit, this.#now, this.#sleep) }),
      sleep: this.#sleep,
      now: this.#now,
      random: this.#random,
      stopping: this.#stopping.signal,
      aborting: this.#aborting.signal,
    });
  }

  /** The connector attempts use now; the caller closes it after stop(). */
  get connector(): Connector {
    return this.#connector.current;
  }

  /** Set while the destination refuses the connector's credentials (`auth_failed`). */
  get authFailure(): AuthFailure | undefined {
    return this.#circuit.authFailure;
  }

  /**
   * Delivers through `next` from now on (new credentials or settings), keeping the outbox,
   * circuit, rate limit and batches in flight; a paused connector probes at once.
   */
  replaceConnector(next: Connector): void {
    this.#connector.replace(next);
    this.#circuit.retryNow();
  }

  start(): void {
    if (this.#loop) throw new Error(`delivery worker ${this.#options.connectorName} was already started`);
    this.#loop = this.#run();
  }

  /**
   * Stops taking entries, lets deliveries in flight finish for up to `graceMs`, then aborts
   * them. Entries taken but not sent, and anything not acked, simply stay in the outbox.
   */
  stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    this.#stopped ??= this.#stop(graceMs);
    return this.#stopped;
  }

  async #stop(graceMs: number): Promise<void> {
    this.#stopping.abort();
    await this.#loop;
    // No batch starts once stopping: the set only shrinks.
    const idle = () => Promise.all(this.#inFlight);
    await unlessAborted(idle(), AbortSignal.timeout(graceMs)).catch(() => this.#aborting.abort());
    await idle();
  }

  async #run(): Promise<void> {
    const stopping = this.#stopping.signal;
    const { outbox, batch } = this.#options;
    const outboxFailures = new FailureLog(this.#logger, { failing: 'outbox unavailable', recovered: 'outbox available again' }, this.#now);
    const backoff = new Backoff(this.#options.delivery.retry, this.#random);
    while (!stopping.aborted) {
      try {
        // An open circuit takes nothing: the backlog grows in the store.
        await this.#circuit.untilNotOpen(stopping);
        const room = this.#capacity - this.#taken.size;
        if (room <= 0) {
          await this.#finished.next(stopping);
          continue;
        }
        // Stop does not wait for a blocked take: what it may still return stays in the outbox.
        const entries = await unlessAborted(takeBatch(outbox, { ...batch, maxEvents: Math.min(batch.maxEvents, room) }, this.#now), stopping);
        outboxFailures.recovered();
        backoff.reset();
        this.#taken.add(entries);
        this.#startBatches();
      } catch (error) {
        if (stopping.aborted) return;
        const delayMs = backoff.next();
        outboxFailures.failing(messageOf(error), delayMs);
        await this.#sleep(delayMs, stopping).catch(() => {});
      }
    }
  }

  /** Starts batches of the entries ready to go while a slot is free; none once stopping. */
  #startBatches(): void {
    const { batch, delivery } = this.#options;
    while (!this.#stopping.signal.aborted && this.#inFlight.size < delivery.concurrency) {
      const entries = this.#taken.next(batch.maxEvents);
      if (entries.length === 0) return;
      const delivering = this.#deliver(entries).finally(() => {
        this.#inFlight.delete(delivering);
        this.#taken.finish(entries);
        this.#finished.notify();
        this.#startBatches();
      });
      this.#inFlight.add(delivering);
    }
  }

  async #deliver(entries: readonly OutboxEntry[]): Promise<void> {
    try {
      await this.#batches.deliver(entries);
    } catch (error) {
      // A store call failed (or a bug): the batch's unacked entries stay in the outbox.
      this.#logger.error({ err: error }, 'batch abandoned; its unacked entries stay in the outbox');
    }
  }
}
