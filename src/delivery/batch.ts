import type { DeliveryOutcome } from '../../connectors/types.js';
import type { Logger } from '../observability/logger.js';
import type { DeliveryFailure, Outbox, OutboxEntry } from '../store/types.js';
import { Backoff } from '../backoff.js';
import { unlessAborted } from './abort.js';
import type { Circuit } from './circuit.js';
import type { ConnectorSlot } from './connector-slot.js';
import type { DeliveryEvents } from './events.js';
import type { FailureLog } from './failure-log.js';
import type { DeliveryOptions } from './options.js';
import type { RateLimiter } from './rate-limit.js';

/** A peer's Retry-After is honoured up to this, ms, so one odd header cannot park a connector for days. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

export interface BatchContext {
  /** The worker's connector, replaceable while it runs. */
  readonly connector: ConnectorSlot;
  readonly outbox: Outbox;
  readonly delivery: DeliveryOptions;
  readonly logger: Logger;
  readonly events: DeliveryEvents;
  readonly failures: FailureLog;
  /** The connector's breaker: every attempt asks it first and reports to it. */
  readonly circuit: Circuit;
  /** Absent: no rate limit. */
  readonly rateLimiter?: RateLimiter;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly now: () => number;
  readonly random: () => number;
  /** Fires on stop: make no new attempt and stop waiting for one. */
  readonly stopping: AbortSignal;
  /** Fires when the stop grace is over: abandon the attempt in flight, unacked. */
  readonly aborting: AbortSignal;
}

type Retry = Extract<DeliveryOutcome, { status: 'retry' }>;
type Unauthorized = Extract<DeliveryOutcome, { status: 'unauthorized' }>;
interface Retrying {
  readonly entry: OutboxEntry;
  readonly outcome: Retry | Unauthorized;
}

/**
 * Delivers one batch until each entry is acked or dead-lettered, or the worker stops (what
 * is left then stays in the outbox). Only the entries still pending are sent again, and the
 * batch keeps one attempt count and one backoff across its attempts. Refused credentials are
 * the connector's state, not the events': the circuit holds the attempts (auth_failed) and the
 * time does not count toward `retry.max_duration`, so nothing is dead-lettered for them.
 */
export class BatchDelivery {
  constructor(private readonly context: BatchContext) {}

  async deliver(entries: readonly OutboxEntry[]): Promise<void> {
    const { retry } = this.context.delivery;
    const backoff = new Backoff(retry, this.context.random);
    let pending = entries;
    let failingSince: number | undefined;
    for (let attempts = 1; ; attempts += 1) {
      const startedAt = this.context.now();
      const outcomes = await this.#attempt(pending);
      if (!outcomes) return;
      const retrying = await this.#settle(pending, outcomes, attempts);
      if (retrying.length === 0) {
        this.context.failures.recovered();
        return;
      }
      if (retrying.some((r) => r.outcome.status === 'unauthorized')) {
        if (this.context.stopping.aborted) return;
        failingSince = undefined;
        pending = retrying.map((r) => r.entry);
        continue;
      }
      // Every pending entry has failed on every attempt so far, so they all fail since the same time.
      failingSince ??= startedAt;
      if (this.context.now() - failingSince >= retry.maxDurationMs) return this.#exhaust(retrying, attempts);
      if (this.context.stopping.aborted) return;
      const reason = retrying[0]!.outcome.reason;
      const delayMs = retryDelay(retrying, backoff);
      this.context.failures.failing(reason, delayMs);
      this.context.events.onRetry?.(reason, delayMs);
      // Rejects when stopping: fall through to the check below.
      await this.context.sleep(delayMs, this.context.stopping).catch(() => {});
      if (this.context.stopping.aborted) return;
      pending = retrying.map((r) => r.entry);
    }
  }

  /** One call to the connector, once the circuit and the rate limit let it go. Undefined when stopped or aborted. */
  async #attempt(entries: readonly OutboxEntry[]): Promise<readonly DeliveryOutcome[] | undefined> {
    const { circuit, rateLimiter, stopping } = this.context;
    try {
      // Waiting for these is no attempt yet: stopping cancels it, and the entries stay in the outbox.
      await circuit.admit(stopping);
      await rateLimiter?.acquire(stopping);
    } catch {
      return undefined;
    }
    const outcomes = await this.#call(entries);
    if (outcomes) reportHealth(circuit, outcomes);
    return outcomes;
  }

  /** A throw or a timeout is a retry for every entry. Undefined when aborted. */
  async #call(entries: readonly OutboxEntry[]): Promise<readonly DeliveryOutcome[] | undefined> {
    const { connector, delivery, aborting } = this.context;
    const timeout = AbortSignal.timeout(delivery.timeoutMs);
    const signal = AbortSignal.any([aborting, timeout]);
    try {
      const envelopes = entries.map((e) => e.envelope);
      const outcomes = await connector.use((c) => unlessAborted(c.deliver(envelopes, signal), signal));
      if (outcomes.length !== entries.length) {
        throw new Error(`returned ${outcomes.length} outcomes for ${entries.length} events`);
      }
      return outcomes;
    } catch (error) {
      if (aborting.aborted) return undefined;
      const reason = timeout.aborted ? `timed out after ${delivery.timeoutMs} ms` : `connector error: ${messageOf(error)}`;
      return entries.map(() => ({ status: 'retry', reason }));
    }
  }

  /** Acks what was delivered (one call), dead-letters what failed; returns what is worth another try. */
  async #settle(entries: readonly OutboxEntry[], outcomes: readonly DeliveryOutcome[], attempts: number): Promise<Retrying[]> {
    const delivered: OutboxEntry[] = [];
    const retrying: Retrying[] = [];
    const failed: [OutboxEntry, DeliveryFailure][] = [];
    entries.forEach((entry, i) => {
      const outcome = outcomes[i]!;
      if (outcome.status === 'delivered') delivered.push(entry);
      else if (outcome.status === 'retry' || outcome.status === 'unauthorized') retrying.push({ entry, outcome });
      else failed.push([entry, { reason: outcome.reason, attempts, response: outcome.response }]);
    });
    if (delivered.length > 0) {
      await this.context.outbox.ack(delivered.map((e) => e.ref));
      const now = this.context.now();
      this.context.events.onDelivered?.(delivered.length, delivered.map((e) => now - e.envelope.receivedAt));
    }
    for (const [entry, failure] of failed) await this.#deadLetter(entry, failure);
    return retrying;
  }

  async #exhaust(retrying: readonly Retrying[], attempts: number): Promise<void> {
    for (const { entry, outcome } of retrying) {
      const reason = `retries exhausted after ${attempts} attempts: ${outcome.reason}`;
      await this.#deadLetter(entry, { reason, attempts, response: outcome.response });
    }
  }

  async #deadLetter(entry: OutboxEntry, failure: DeliveryFailure): Promise<void> {
    await this.context.outbox.deadLetter(entry, failure);
    // Never the payload: it may carry customer data.
    const { id, type } = entry.envelope;
    this.context.logger.error({ event: { id, type }, reason: failure.reason, attempts: failure.attempts }, 'event dead-lettered');
    this.context.events.onDeadLettered?.(entry, failure.reason);
  }
}

/**
 * The destination refuses us when it says so of any event; it is down when an attempt
 * delivered nothing and something must be retried; one that only rejects events (a 4xx) still
 * shows it answers.
 */
function reportHealth(circuit: Circuit, outcomes: readonly DeliveryOutcome[]): void {
  const refused = outcomes.find((o): o is Unauthorized => o.status === 'unauthorized');
  if (refused) return circuit.unauthorized(refused.reason);
  const retry = outcomes.find((o): o is Retry => o.status === 'retry');
  if (retry && !outcomes.some((o) => o.status === 'delivered')) circuit.failed(retry.reason);
  else circuit.succeeded();
}

/** The peer's Retry-After wins (the longest asked, capped); our backoff otherwise. */
function retryDelay(retrying: readonly Retrying[], backoff: Backoff): number {
  const asked = retrying.flatMap((r) => (r.outcome.status !== 'retry' || r.outcome.retryAfterMs === undefined ? [] : [r.outcome.retryAfterMs]));
  return asked.length > 0 ? Math.min(Math.max(...asked), MAX_RETRY_AFTER_MS) : backoff.next();
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
