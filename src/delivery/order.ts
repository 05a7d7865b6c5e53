import { orderKey } from '../pipeline/envelope-json.js';
import type { OutboxEntry } from '../store/types.js';

/**
 * The entries a worker has taken, handed out as batches so that events of one key reach the
 * connector in the order they were taken while different keys go in parallel: a key belongs
 * to at most one unfinished batch (sending, or retrying what is left of it), and an entry
 * whose key is busy waits, with every later entry of its key, until that batch is finished.
 * Within a batch, entries keep their order (connectors send a batch in order).
 */
export class KeyedBatches {
  /** Taken, not in a batch yet, in the order taken, with their keys (made once: a key is a new string). */
  #waiting: Keyed[] = [];
  /** Keys of the entries in unfinished batches, each with the batch that holds it. */
  readonly #busy = new Map<string, readonly OutboxEntry[]>();
  /** The keys each unfinished batch claimed, freed by finish(). */
  readonly #claims = new Map<readonly OutboxEntry[], readonly string[]>();
  #inBatches = 0;

  /** Entries held: waiting or in unfinished batches. */
  get size(): number {
    return this.#waiting.length + this.#inBatches;
  }

  add(entries: readonly OutboxEntry[]): void {
    for (const entry of entries) this.#waiting.push({ entry, key: orderKey(entry.envelope) });
  }

  /** The next batch: up to `max` waiting entries, in order, skipping busy keys; empty when none is ready. */
  next(max: number): OutboxEntry[] {
    const batch: OutboxEntry[] = [];
    const claimed: string[] = [];
    const left: Keyed[] = [];
    let i = 0;
    for (; i < this.#waiting.length && batch.length < max; i++) {
      const keyed = this.#waiting[i]!;
      const { key } = keyed;
      if (key !== undefined) {
        const holder = this.#busy.get(key);
        // Busy in another batch: this entry waits, and so do its key's later ones (busy too).
        if (holder !== undefined && holder !== batch) {
          left.push(keyed);
          continue;
        }
        if (holder === undefined) {
          this.#busy.set(key, batch);
          claimed.push(key);
        }
      }
      batch.push(keyed.entry);
    }
    // The batch is full: the rest waits, in order.
    for (; i < this.#waiting.length; i++) left.push(this.#waiting[i]!);
    if (batch.length > 0) this.#claims.set(batch, claimed);
    this.#waiting = left;
    this.#inBatches += batch.length;
    return batch;
  }

  /** A batch from `next` is finished (acked, dead-lettered or abandoned): its keys are free again. */
  finish(batch: readonly OutboxEntry[]): void {
    for (const key of this.#claims.get(batch) ?? []) this.#busy.delete(key);
    this.#claims.delete(batch);
    this.#inBatches -= batch.length;
  }
}

interface Keyed {
  readonly entry: OutboxEntry;
  readonly key: string | undefined;
}
