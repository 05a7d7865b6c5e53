import type { RateLimit } from './options.js';

/**
 * Spaces a connector's calls: at most `max` start in any `perMs` window (a sliding window over
 * the last `max` start times). A caller reserves its slot at once, so callers go in the order
 * they asked; a slot given up on stop simply stays unused. Not p-queue's `intervalCap`: that
 * spaces queued tasks, and a batch's retries run inside one task.
 */
export class RateLimiter {
  /** The last `max` reserved start times, a ring whose oldest is at #oldest. */
  readonly #starts: number[] = [];
  #oldest = 0;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
    private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>,
  ) {}

  /** Resolves when the caller may start; rejects when `signal` aborts first. */
  async acquire(signal: AbortSignal): Promise<void> {
    const now = this.now();
    const oldest = this.#starts[this.#oldest];
    const at = oldest === undefined ? now : Math.max(now, oldest + this.limit.perMs);
    this.#starts[this.#oldest] = at;
    this.#oldest = (this.#oldest + 1) % this.limit.max;
    if (at > now) await this.sleep(at - now, signal);
  }
}
