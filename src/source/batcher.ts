import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Hands items to a consumer in arrival order, one call at a time: whatever arrives while a call
 * is in flight becomes the next batch (up to `maxBatch`). After a failed call it takes nothing more (what follows
 * the failed batch must not be delivered without it).
 */
export class Batcher<T> {
  #queue: T[] = [];
  #pumping: Promise<void> | undefined;
  #closed = false;
  #roomWaiters: (() => void)[] = [];

  constructor(
    private readonly consume: (batch: T[]) => Promise<void>,
    private readonly onFailure: (error: unknown) => void,
    /** Queued items at or above which whenRoom() makes the producer wait. */
    private readonly maxQueued: number,
    /** Most items per call; the rest wait for the next one. */
    private readonly maxBatch = Infinity,
  ) {}

  push(item: T): void {
    if (this.#closed) return;
    this.#queue.push(item);
    this.#pumping ??= this.#pump();
  }

  /** Undefined while there is room; otherwise resolves once the queue is handed over or dropped. */
  whenRoom(): Promise<void> | undefined {
    if (this.#queue.length < this.maxQueued) return undefined;
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** Resolves once everything queued has been handed over (or a call failed). */
  async drain(): Promise<void> {
    while (this.#pumping) await this.#pumping;
  }

  /** Drops what is queued and resolves once the call in flight, if any, has settled. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#take();
    await this.#pumping;
  }

  async #pump(): Promise<void> {
    // The parser dispatches a chunk's events synchronously: let them all join the first batch.
    await nextTurn();
    try {
      while (this.#queue.length > 0) await this.consume(this.#take(this.maxBatch));
    } catch (error) {
      this.#closed = true;
      this.#take();
      this.onFailure(error);
    } finally {
      this.#pumping = undefined;
    }
  }

  #take(max = Infinity): T[] {
    let batch = this.#queue;
    if (batch.length <= max) this.#queue = [];
    else batch = this.#queue.splice(0, max);
    if (this.#queue.length < this.maxQueued) for (const wake of this.#roomWaiters.splice(0)) wake();
    return batch;
  }
}
