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

export interface DeliveryOptions {
  readonly retry: RetryOptions;
  /** Batches in flight at once. */
  readonly concurrency: number;
  /** Per-request timeout, ms. */
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { initialDelayMs: 1_000, maxDelayMs: 60_000, maxDurationMs: 24 * 3_600_000 };
export const DEFAULT_DELIVERY: DeliveryOptions = { retry: DEFAULT_RETRY, concurrency: 2, timeoutMs: 30_000 };
