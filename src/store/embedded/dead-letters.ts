import type { Envelope } from '../../pipeline/envelope.js';
import type { DeadLetter, DeadLetters, DeliveryFailure } from '../types.js';
import { Appends, type EmbeddedContext } from './context.js';
import type { Write } from './database.js';
import { keys, prefixes, refOf, under } from './keys.js';

/** Dead letters replayed or dropped per write when handling many. */
const PAGE_SIZE = 500;

/** A dead letter as stored: everything but its ref, which is its key's. */
type StoredDeadLetter = Omit<DeadLetter, 'ref'>;

/** The value of a new dead letter. */
export function storedDeadLetter(connector: string, envelope: Envelope, failure: DeliveryFailure): string {
  const { reason, attempts, response } = failure;
  return JSON.stringify({ connector, envelope, reason, attempts, deadAt: Date.now(), ...(response === undefined ? {} : { response }) } satisfies StoredDeadLetter);
}

/** A connector's dead letters, in ref order (newest last) under `dead!<connector>!`. */
export class EmbeddedDeadLetters implements DeadLetters {
  readonly #prefix: string;

  constructor(
    private readonly context: EmbeddedContext,
    private readonly connector: string,
  ) {
    this.#prefix = prefixes.dead(connector);
  }

  async list(limit: number): Promise<DeadLetter[]> {
    if (limit < 1) return [];
    const entries = await this.context.db.iterator({ ...under(this.#prefix), reverse: true, limit }).all();
    return entries.map(([key, value]) => ({ ref: refOf(key), ...(JSON.parse(value) as StoredDeadLetter) }));
  }

  async count(): Promise<number> {
    return this.context.deadLetters.get(this.connector);
  }

  /** Back into the outbox as new entries (delivery count 1). */
  replay(refs?: readonly string[]): Promise<number> {
    return this.#inPages(refs, true);
  }

  drop(refs?: readonly string[]): Promise<number> {
    return this.#inPages(refs, false);
  }

  /**
   * Removes the dead letters `refs` names (all when absent: every one present when called, not
   * those dead-lettered meanwhile), one write per page, moving them into the outbox when
   * `toOutbox`. Returns how many were removed.
   */
  async #inPages(refs: readonly string[] | undefined, toOutbox: boolean): Promise<number> {
    const { db } = this.context;
    let done = 0;
    if (refs) {
      const unique = [...new Set(refs)];
      for (let i = 0; i < unique.length; i += PAGE_SIZE) done += await this.#remove(unique.slice(i, i + PAGE_SIZE), toOutbox);
      return done;
    }
    const [newest] = await db.keys({ ...under(this.#prefix), reverse: true, limit: 1 }).all();
    if (newest === undefined) return 0;
    for (let after = this.#prefix; ; ) {
      const page = await db.keys({ gt: after, lte: newest, limit: PAGE_SIZE }).all();
      const last = page.at(-1);
      if (last === undefined) return done;
      done += await this.#remove(page.map(refOf), toOutbox);
      after = last;
    }
  }

  #remove(refs: readonly string[], toOutbox: boolean): Promise<number> {
    const { db, writer, deadLetters } = this.context;
    return writer.run(async () => {
      const values = await db.getMany(refs.map((ref) => keys.dead(this.connector, ref)));
      const writes: Write[] = [];
      const appends = new Appends(this.context);
      let removed = 0;
      refs.forEach((ref, i) => {
        const value = values[i];
        if (value === undefined) return;
        removed += 1;
        writes.push({ type: 'del', key: keys.dead(this.connector, ref) });
        if (toOutbox) appends.add(this.connector, JSON.stringify((JSON.parse(value) as StoredDeadLetter).envelope), Date.now());
      });
      if (toOutbox) writes.push(...appends.writes, this.context.refs.write());
      // Not fsync'd: what a machine crash forgets is still a dead letter, to replay or drop again.
      await writer.commit(writes, false);
      appends.committed();
      deadLetters.add(this.connector, -removed);
      return removed;
    });
  }
}
