import { liveValue } from './connector-state.js';
import type { EmbeddedContext } from './context.js';
import type { Write } from './database.js';
import { keys, prefixes, seenKeyOf, under } from './keys.js';

/** Records looked at per write: ingest waits behind at most one page. */
const PAGE_SIZE = 1_000;

/**
 * Deletes what has expired: ids seen before the dedupe window, state values past their TTL.
 * Reads already treat them as gone; this only frees the space. Stops early when `signal` aborts.
 */
export async function sweep(context: EmbeddedContext, dedupeWindowMs: number, signal: AbortSignal): Promise<void> {
  await sweepSeen(context, Date.now() - dedupeWindowMs, signal);
  for (const prefix of prefixes.states) await sweepState(context, prefix, signal);
}

async function sweepSeen({ db, writer }: EmbeddedContext, cutoff: number, signal: AbortSignal): Promise<void> {
  for (let more = true; more && !signal.aborted; ) {
    more = await writer.run(async () => {
      const index = await db.keys({ gt: prefixes.seenAt, lt: keys.seenAt(cutoff, ''), limit: PAGE_SIZE }).all();
      const seenKeys = index.map(seenKeyOf);
      const seenAt = await db.getMany(seenKeys);
      const writes: Write[] = index.map((key) => ({ type: 'del', key }));
      // An id ingested again after its window has a newer time (and index key): it stays.
      seenKeys.forEach((key, i) => Number(seenAt[i]) < cutoff && writes.push({ type: 'del', key }));
      await writer.commit(writes, false);
      return index.length === PAGE_SIZE;
    });
  }
}

async function sweepState({ db, writer }: EmbeddedContext, prefix: string, signal: AbortSignal): Promise<void> {
  for (let after: string | undefined = prefix; after !== undefined && !signal.aborted; ) {
    const from: string = after;
    after = await writer.run(async () => {
      const page = await db.iterator({ ...under(prefix, from), limit: PAGE_SIZE }).all();
      const now = Date.now();
      await writer.commit(page.filter(([, json]) => liveValue(json, now) === undefined).map(([key]): Write => ({ type: 'del', key })), false);
      return page.length === PAGE_SIZE ? page.at(-1)![0] : undefined;
    });
  }
}
