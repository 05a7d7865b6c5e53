/**
 * Exponential backoff with full jitter (AWS architecture blog's "full jitter"): the n-th
 * delay is uniform in [0, min(max, initial * 2^n)]. Shared by the stream source and the
 * delivery layer so both back off the same way.
 */
export interface BackoffOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export class Backoff {
  #attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call grows the ceiling until it caps. */
  next(): number {
    const ceiling = this.ceiling();
    this.#attempt += 1;
    return Math.round(this.random() * ceiling);
  }

  /** The current cap on the next delay, without jitter. */
  ceiling(): number {
    const { initialDelayMs, maxDelayMs } = this.options;
    return Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(this.#attempt, 30));
  }

  get attempts(): number {
    return this.#attempt;
  }

  reset(): void {
    this.#attempt = 0;
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
