/**
 * Bytes of event data read off the platform's streams and not yet taken by onEvents (queued, or
 * in the call in flight), counted across subscriptions. Each connection's own bound
 * (maxBuffered) is per stream: with 100 busy subscriptions it would let hundreds of MB pile up in
 * the process, when the backlog belongs in the platform's replay buffer and in the store.
 */
export class ReadBudget {
  #used = 0;
  readonly #waiting = new Set<() => void>();

  constructor(readonly limitBytes: number) {}

  get full(): boolean {
    return this.#used >= this.limitBytes;
  }

  get usedBytes(): number {
    return this.#used;
  }

  take(bytes: number): void {
    this.#used += bytes;
  }

  give(bytes: number): void {
    this.#used -= bytes;
    if (this.full) return;
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const wake of waiting) wake();
  }

  /** Calls `wake` once, the next time the budget is not full; the returned function cancels. */
  onRoom(wake: () => void): () => void {
    this.#waiting.add(wake);
    return () => this.#waiting.delete(wake);
  }
}

/**
 * The process's budget, shared by every subscription that is not given its own. 8 MiB of event
 * data is over three batches of MAX_BATCH events of 2 KB for one busy stream (the store takes one
 * batch at a time); the heap it costs once decoded, about 4× (measured), stays far below the heap
 * cap the CLI runs with (see the README, Performance). Each stream may still read one chunk (at
 * most 64 KiB) past it, and its socket and stream buffers hold a few more.
 */
export const SHARED_READ_BUDGET = new ReadBudget(8 * 1024 * 1024);
