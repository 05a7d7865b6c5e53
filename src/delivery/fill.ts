import { sleep } from '../backoff.js';
import type { Outbox, OutboxEntry } from '../store/types.js';
import type { BatchOptions } from './options.js';

/** How long one take waits on an empty outbox, ms. Stop does not wait for it (see worker.ts). */
export const IDLE_BLOCK_MS = 1_000;

/**
 * How late a store may end a blocked take, ms: Redis times blocked reads out at its cron tick
 * (`hz` 10 by default), so a BLOCK of 5 ms on a quiet server returns up to 100 ms later.
 */
export const STORE_TIMEOUT_SLACK_MS = 100;

/**
 * Takes one batch: waits for the first entries, then keeps taking until the batch is full or
 * `maxDelayMs` has passed since they arrived. Idle time before the first entry does not count,
 * and a lone event is held at most `maxDelayMs`: the store is asked to block only while more than
 * its slack is left; the last stretch is timed here, then read without blocking.
 */
export async function takeBatch(outbox: Outbox, batch: BatchOptions, now: () => number): Promise<OutboxEntry[]> {
  const entries = [...(await outbox.take(batch.maxEvents, IDLE_BLOCK_MS))];
  if (entries.length === 0) return entries;
  const deadline = now() + batch.maxDelayMs;
  for (let left = batch.maxDelayMs; entries.length < batch.maxEvents && left > 0; left = deadline - now()) {
    if (left > STORE_TIMEOUT_SLACK_MS) {
      // Rounded up: Redis takes whole milliseconds, and a block of 0 would mean "forever" to it.
      entries.push(...(await outbox.take(batch.maxEvents - entries.length, Math.ceil(left - STORE_TIMEOUT_SLACK_MS))));
      continue;
    }
    await sleep(left);
    entries.push(...(await outbox.take(batch.maxEvents - entries.length, 0)));
    break;
  }
  return entries;
}
