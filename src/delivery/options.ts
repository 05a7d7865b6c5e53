/** How a connector's outbox is read in batches. */
export interface BatchOptions {
  /** Most events in one delivery. */
  readonly maxEvents: number;
  /** Most encoded bytes in one delivery (the connector enforces it while encoding). */
  readonly maxBytes: number;
  /** Longest wait to fill a batch before sending what there is, ms. */
  readonly maxDelayMs: number;
}

/** How failed deliveries are retried; shared by every connector. */
export interface RetryOptions {
  /** First backoff delay, ms. */
  readonly initialDelayMs: number;
  /** Backoff cap, ms. */
  readonly maxDelayMs: number;
  /**
   * How long one event may keep failing with retryable errors before it is dead-lettered, ms.
   * Long by default: a sink down for hours must not lose anything.
   */
  readonly maxDurationMs: number;
}

/** At most `max` calls to the connector (retries included) in any `perMs` window. */
export interface RateLimit {
  readonly max: number;
  readonly perMs: number;
}

/** When a connector's circuit breaker opens, and for how long. */
export interface CircuitOptions {
  /** Consecutive failed attempts (nothing delivered, something to retry) that open the circuit. */
  readonly failureThreshold: number;
  /** How long it stays open before one probe attempt is let through, ms. */
  readonly openForMs: number;
  /** While the destination refuses the credentials: how often one probe attempt is let through, ms. @default DEFAULT_AUTH_RETRY_MS */
  readonly authRetryMs?: number;
}

export interface DeliveryOptions {
  readonly retry: RetryOptions;
  /** Batches in flight at once. */
  readonly concurrency: number;
  /** Per-request timeout, ms. */
  readonly timeoutMs: number;
  /** Absent: no limit. */
  readonly rateLimit?: RateLimit;
  /** Absent: no circuit breaker (the config always sets one; see DEFAULT_CIRCUIT). */
  readonly circuit?: CircuitOptions;
}

export const DEFAULT_RETRY: RetryOptions = { initialDelayMs: 1_000, maxDelayMs: 60_000, maxDurationMs: 24 * 3_600_000 };
export const DEFAULT_AUTH_RETRY_MS = 60_000;
export const DEFAULT_CIRCUIT: CircuitOptions = { failureThreshold: 5, openForMs: 30_000, authRetryMs: DEFAULT_AUTH_RETRY_MS };
export const DEFAULT_DELIVERY: DeliveryOptions = { retry: DEFAULT_RETRY, concurrency: 2, timeoutMs: 30_000, circuit: DEFAULT_CIRCUIT };
