import type { Logger } from '../observability/logger.js';
import type { DeliveryEvents } from './events.js';
import { Notifier } from './notifier.js';
import { DEFAULT_AUTH_RETRY_MS, type CircuitOptions } from './options.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitContext {
  readonly logger: Logger;
  readonly events: DeliveryEvents;
  readonly now: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A breaker that never opens for failures, for a connector configured without one (refused credentials still pause it). */
export const NEVER_OPEN: CircuitOptions = { failureThreshold: Number.POSITIVE_INFINITY, openForMs: 0 };

/** Since when, and why, the destination refuses the connector's credentials. */
export interface AuthFailure {
  readonly reason: string;
  /** Epoch ms. */
  readonly since: number;
}

/**
 * One connector's circuit breaker, shared by all its batches. `failureThreshold` failed
 * attempts in a row open it: no attempt is made, and the worker takes nothing from the outbox
 * (the backlog grows in the store, nothing is lost). After `openForMs` it half-opens and lets
 * ONE probe attempt through: success closes it, failure opens it again. An outage costs two
 * log lines (opened, closed), however many probes fail in between.
 *
 * Refused credentials (`unauthorized`) open it at once, as the state `auth_failed`: the probe
 * comes every `authRetryMs` (or at once after `retryNow`, when new credentials were loaded),
 * until an attempt gets past them. Two log lines again: refused, accepted again.
 */
export class Circuit {
  #state: CircuitState = 'closed';
  #failures = 0;
  #openUntil = 0;
  #probing = false;
  /** When this outage first opened the circuit; undefined while closed. */
  #openedAt: number | undefined;
  #authFailure: AuthFailure | undefined;
  readonly #changes = new Notifier();

  constructor(
    private readonly options: CircuitOptions,
    private readonly context: CircuitContext,
  ) {}

  get state(): CircuitState {
    return this.#state;
  }

  /** Set while the destination refuses the credentials. */
  get authFailure(): AuthFailure | undefined {
    return this.#authFailure;
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

  /** An attempt reached the destination, which took our credentials. */
  succeeded(): void {
    this.#failures = 0;
    if (this.#authFailure) {
      this.context.logger.info({ failedForMs: this.context.now() - this.#authFailure.since }, 'credentials accepted again: connector resumed');
      this.#authFailure = undefined;
      this.context.events.onAuthFailure?.(undefined);
    }
    if (this.#state === 'closed') return;
    if (this.#openedAt !== undefined) this.context.logger.info({ openForMs: this.context.now() - this.#openedAt }, 'circuit closed');
    this.#openedAt = undefined;
    this.#set('closed');
  }

  /** The destination refused our credentials: pause until a probe, `authRetryMs` from now, gets past them. */
  unauthorized(reason: string): void {
    // Attempts started before the pause may still be refused: it is known already.
    if (this.#state === 'open' && this.#authFailure) return;
    const now = this.context.now();
    const retryEveryMs = this.options.authRetryMs ?? DEFAULT_AUTH_RETRY_MS;
    this.#openUntil = now + retryEveryMs;
    if (this.#authFailure === undefined) {
      this.#authFailure = { reason, since: now };
      this.context.logger.error(
        { reason, retryEveryMs },
        'the destination refuses the credentials: connector paused (auth_failed), its outbox kept; fix the credential (a ${file:} secret is re-read on SIGHUP)',
      );
      this.context.events.onAuthFailure?.(this.#authFailure);
    } else {
      this.context.logger.debug({ reason }, 'credentials still refused');
    }
    if (this.#state !== 'open') this.#set('open');
  }

  /** New credentials: let the next attempt probe now rather than at the end of the pause. */
  retryNow(): void {
    if (this.#state !== 'open') return;
    this.#openUntil = this.context.now();
    this.#changes.notify();
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
