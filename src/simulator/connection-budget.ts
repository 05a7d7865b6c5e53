import type { ServerResponse } from 'node:http';

/** What a connection is for: the event stream or one scan's progress stream. */
export type ConnectionKind = 'events' | 'progress';

/**
 * The tenant's concurrent SSE connections (the tier limit), whatever stream they are on: the
 * platform counts progress streams against the same limit as the event stream.
 */
export class ConnectionBudget {
  readonly #open: Record<ConnectionKind, number> = { events: 0, progress: 0 };
  #peak = 0;

  constructor(private readonly limit: number) {}

  /** Counts `res` until it closes; false, counting nothing, when the limit is reached. */
  admit(res: ServerResponse, kind: ConnectionKind): boolean {
    if (this.open >= this.limit) return false;
    this.#open[kind] += 1;
    this.#peak = Math.max(this.#peak, this.open);
    res.once('close', () => (this.#open[kind] -= 1));
    return true;
  }

  get open(): number {
    return this.#open.events + this.#open.progress;
  }

  openOf(kind: ConnectionKind): number {
    return this.#open[kind];
  }

  /** Most connections open at once so far. */
  get peak(): number {
    return this.#peak;
  }
}
