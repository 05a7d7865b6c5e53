import type { BacklogMeter } from './backlog-meter.js';
import type { Database } from './database.js';
import { keys, nameOf, prefixes, under } from './keys.js';
import { Tally } from './tally.js';

/** What the store keeps in memory, besides the outboxes' counts (added to `meter`). */
export interface Census {
  /** The last ref handed out. */
  readonly sequence: number;
  readonly deadLetters: Tally;
  readonly malformed: number;
}

/**
 * Counts what the database holds, at open. Counting rather than storing counters keeps them
 * exact whatever a crash interrupted; it reads the outboxes once, a few seconds for gigabytes.
 */
export async function census(db: Database, meter: BacklogMeter): Promise<Census> {
  for await (const [key, value] of db.iterator(under(prefixes.outboxes))) meter.change(nameOf(key), 1, Buffer.byteLength(value));
  const deadLetters = new Tally();
  for await (const key of db.keys(under(prefixes.deadLetters))) deadLetters.add(nameOf(key), 1);
  let malformed = 0;
  for await (const _ of db.keys(under(prefixes.malformed))) malformed += 1;
  return { sequence: Number((await db.get(keys.sequence)) ?? 0), deadLetters, malformed };
}
