import type { Outbox, OutboxEntry } from '../store/types.js';
import type { BatchOptions } from './options.js';

/** How long one take waits on an empty outbox, ms. Stop does not wait for it (see worker.ts). */
export const IDLE_BLOCK_MS = 1_000;

/**
 * Takes one batch: waits for the first entries, then keeps taking until the batch is full or
 * `maxDelayMs` has passed since they arrived. Idle time before the first entry does not count,
 * and a lone event is held at most `maxDelayMs`.
 */
export async function takeBatch(outbox: Outbox, batch: BatchOptions, now: () => number): Promise<OutboxEntry[]> {
  const entries = [...(await outbox.take(batch.maxEvents, IDLE_BLOCK_MS))];
  if (entries.length === 0) return entries;
  const deadline = now() + batch.maxDelayMs;
  for (let left = batch.maxDelayMs; entries.length < batch.maxEvents && left > 0; left = deadline - now()) {
    // Rounded up: a block of 0 would mean "forever" to Redis.
    entries.push(...(await outbox.take(batch.maxEvents - entries.length, Math.ceil(left))));
  }
  return entries;
}
