/**
 * At most `limit` requests in each fixed window of `windowMs`. A fixed window (not a sliding one)
 * gives the client an exact `Retry-After`: the time until the window turns.
 */
export class FixedWindowLimit {
  #windowStart = -Infinity;
  #count = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts a request; undefined when it is allowed, else whole seconds until it would be (>= 1). */
  take(now: number): number | undefined {
    if (now - this.#windowStart >= this.windowMs) {
      this.#windowStart = now;
      this.#count = 0;
    }
    if (this.#count < this.limit) {
      this.#count += 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((this.#windowStart + this.windowMs - now) / 1000));
  }
}
