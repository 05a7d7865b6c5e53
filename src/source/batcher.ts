import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ReadBudget } from './read-budget.js';

/** A budget shared with other batchers, and what each item costs of it. */
export interface BatcherBudget<T> {
  readonly budget: ReadBudget;
  weigh(item: T): number;
}

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
  /** Cancels the wait for the shared budget, while one is registered. */
  #cancelBudgetWait: (() => void) | undefined;

  constructor(
    private readonly consume: (batch: T[]) => Promise<void>,
    private readonly onFailure: (error: unknown) => void,
    /** Queued items at or above which whenRoom() makes the producer wait. */
    private readonly maxQueued: number,
    /** Most items per call; the rest wait for the next one. */
    private readonly maxBatch = Infinity,
    /** Items hold their weight from push() until the call that took them settles (or they are dropped); a full budget makes whenRoom() wait too. */
    private readonly budget?: BatcherBudget<T>,
  ) {}

  push(item: T): void {
    if (this.#closed) return;
    this.#queue.push(item);
    this.budget?.budget.take(this.budget.weigh(item));
    this.#pumping ??= this.#pump();
  }

  /** Undefined while there is room; otherwise resolves once there is, or the queue is dropped. */
  whenRoom(): Promise<void> | undefined {
    if (this.#hasRoom()) return undefined;
    const room = new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    this.#wake();
    return room;
  }

  /** Resolves once everything queued has been handed over (or a call failed). */
  async drain(): Promise<void> {
    while (this.#pumping) await this.#pumping;
  }

  /** Drops what is queued and resolves once the call in flight, if any, has settled. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#give(this.#take());
    await this.#pumping;
  }

  async #pump(): Promise<void> {
    // The parser dispatches a chunk's events synchronously: let them all join the first batch.
    await nextTurn();
    try {
      while (this.#queue.length > 0) {
        const batch = this.#take(this.maxBatch);
        try {
          await this.consume(batch);
        } finally {
          this.#give(batch);
        }
      }
    } catch (error) {
      this.#closed = true;
      this.#give(this.#take());
      this.onFailure(error);
    } finally {
      this.#pumping = undefined;
    }
  }

  #hasRoom(): boolean {
    return this.#queue.length < this.maxQueued && !this.budget?.budget.full;
  }

  /** Lets waiting producers go once there is room (or nothing more is taken); else waits for the budget if that is what is short. */
  #wake(): void {
    if (this.#roomWaiters.length === 0) return;
    if (!this.#closed && !this.#hasRoom()) {
      const { budget } = this;
      if (budget?.budget.full) {
        this.#cancelBudgetWait ??= budget.budget.onRoom(() => {
          this.#cancelBudgetWait = undefined;
          this.#wake();
        });
      }
      return;
    }
    this.#cancelBudgetWait?.();
    this.#cancelBudgetWait = undefined;
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  #take(max = Infinity): T[] {
    let batch = this.#queue;
    if (batch.length <= max) this.#queue = [];
    else batch = this.#queue.splice(0, max);
    this.#wake();
    return batch;
  }

  #give(items: readonly T[]): void {
    const { budget } = this;
    if (!budget || items.length === 0) return;
    let bytes = 0;
    for (const item of items) bytes += budget.weigh(item);
    budget.budget.give(bytes);
  }
}
