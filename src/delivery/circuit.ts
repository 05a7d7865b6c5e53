import type { Logger } from '../observability/logger.js';
import type { DeliveryEvents } from './events.js';
import { Notifier } from './notifier.js';
import type { CircuitOptions } from './options.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitContext {
  readonly logger: Logger;
  readonly events: DeliveryEvents;
  readonly now: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A breaker that never opens, for a connector configured without one. */
export const NEVER_OPEN: CircuitOptions = { failureThreshold: Number.POSITIVE_INFINITY, openForMs: 0 };

/**
 * One connector's circuit breaker, shared by all its batches. `failureThreshold` failed
 * attempts in a row open it: no attempt is made, and the worker takes nothing from the outbox
 * (the backlog grows in the store, nothing is lost). After `openForMs` it half-opens and lets
 * ONE probe attempt through: success closes it, failure opens it again. An outage costs two
 * log lines (opened, closed), however many probes fail in between.
 */
export class Circuit {
  #state: CircuitState = 'closed';
  #failures = 0;
  #openUntil = 0;
  #probing = false;
  /** When this outage first opened the circuit; undefined while closed. */
  #openedAt: number | undefined;
  readonly #changes = new Notifier();

  constructor(
    private readonly options: CircuitOptions,
    private readonly context: CircuitContext,
  ) {}

  get state(): CircuitState {
    return this.#state;
  }

  /** Resolves once the circuit is not open (half-open counts); rejects when `signal` aborts. */
  async untilNotOpen(signal: AbortSignal): Promise<void> {
    while (this.#state === 'open') {
      const left = this.#openUntil - this.context.now();
      if (left <= 0) this.#set('half-open');
      else await this.#waitOrChange(left, signal);
    }
  }

  /** Resolves when an attempt may go: the circuit is closed, or this attempt is the half-open probe. */
  async admit(signal: AbortSignal): Promise<void> {
    for (;;) {
      await this.untilNotOpen(signal);
      if (this.#state === 'closed') return;
      if (!this.#probing) {
        this.#probing = true;
        return;
      }
      await this.#changes.next(signal);
    }
  }

  /** An attempt reached the destination. */
  succeeded(): void {
    this.#failures = 0;
    if (this.#state === 'closed') return;
    this.context.logger.info({ openForMs: this.context.now() - (this.#openedAt ?? 0) }, 'circuit closed');
    this.#openedAt = undefined;
    this.#set('closed');
  }

  /** An attempt failed as a whole (nothing delivered, something to retry). */
  failed(reason: string): void {
    // Attempts started before the circuit opened may still fail: the outage is known already.
    if (this.#state === 'open') return;
    this.#failures += 1;
    if (this.#state === 'closed' && this.#failures < this.options.failureThreshold) return;
    const now = this.context.now();
    this.#openUntil = now + this.options.openForMs;
    if (this.#openedAt === undefined) {
      this.#openedAt = now;
      this.context.logger.warn({ reason, failures: this.#failures, openForMs: this.options.openForMs }, 'circuit opened');
    } else {
      this.context.logger.debug({ reason }, 'circuit probe failed; open again');
    }
    this.#set('open');
  }

  #set(state: CircuitState): void {
    this.#state = state;
    this.#probing = false;
    this.context.events.onCircuit?.(state);
    this.#changes.notify();
  }

  /** Waits `ms`, or less when the state changes meanwhile (an attempt in flight succeeded). */
  async #waitOrChange(ms: number, signal: AbortSignal): Promise<void> {
    const done = new AbortController();
    try {
      await Promise.race([this.#changes.next(signal), this.context.sleep(ms, AbortSignal.any([signal, done.signal]))]);
    } finally {
      done.abort();
    }
  }
}
