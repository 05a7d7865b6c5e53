import { decodeStoredEnvelope } from '../../pipeline/envelope-json.js';
import type { Backlog, DeliveryFailure, Outbox, OutboxEntry } from '../types.js';
import type { EmbeddedContext } from './context.js';
import type { Write } from './database.js';
import { storedDeadLetter } from './dead-letters.js';
import { decodeEntry, keys, prefixes, refOf, under } from './keys.js';
import { Signal, waitAtMost } from './signal.js';
import { Serial } from '../serial.js';

/**
 * One connector's outbox: entries in ref order under `outbox!<connector>!`. An entry stays
 * until acked or dead-lettered; what this process has handed out is everything up to the
 * last ref it took, so a take reads on from there and never hands an entry out twice. A new
 * process starts from the beginning: whatever a crash left unacknowledged is taken again first,
 * its delivery count (kept beside the entry) one higher.
 */
export class EmbeddedOutbox implements Outbox {
  /** The last ref handed out by this process; undefined: none yet. */
  #lastTaken: string | undefined;
  readonly #arrivals = new Signal();
  /** take() calls run one after another: they share #lastTaken. */
  readonly #takes = new Serial();
  #closed = false;

  constructor(
    private readonly context: EmbeddedContext,
    private readonly connector: string,
  ) {}

  take(max: number, blockMs: number): Promise<OutboxEntry[]> {
    return this.#takes.run(() => this.#take(max, blockMs));
  }

  async ack(refs: readonly string[]): Promise<void> {
    if (refs.length === 0) return;
    const { db, writer, meter } = this.context;
    await writer.run(async () => {
      const unique = [...new Set(refs)];
      const values = await db.getMany(unique.map((ref) => keys.outbox(this.connector, ref)));
      const writes: Write[] = [];
      let [count, bytes] = [0, 0];
      unique.forEach((ref, i) => {
        const value = values[i];
        if (value === undefined) return;
        writes.push({ type: 'del', key: keys.outbox(this.connector, ref) }, { type: 'del', key: keys.taken(this.connector, ref) });
        count += 1;
        bytes += Buffer.byteLength(value);
      });
      // Not fsync'd: an ack that a machine crash forgets is a redelivery, which at-least-once allows.
      await writer.commit(writes, false);
      meter.change(this.connector, -count, -bytes);
    });
  }

  async deadLetter(entry: OutboxEntry, failure: DeliveryFailure): Promise<void> {
    const { db, writer, refs, meter, deadLetters, logger } = this.context;
    const moved = await writer.run(async () => {
      const value = await db.get(keys.outbox(this.connector, entry.ref));
      if (value === undefined) return false;
      // Not fsync'd: a move that a machine crash forgets leaves the entry in the outbox.
      await writer.commit(
        [
          { type: 'del', key: keys.outbox(this.connector, entry.ref) },
          { type: 'del', key: keys.taken(this.connector, entry.ref) },
          { type: 'put', key: keys.dead(this.connector, refs.next()), value: storedDeadLetter(this.connector, entry.envelope, failure) },
          refs.write(),
        ],
        false,
      );
      meter.change(this.connector, -1, -Buffer.byteLength(value));
      deadLetters.add(this.connector, 1);
      return true;
    });
    if (!moved) logger.warn({ connector: this.connector, ref: entry.ref }, 'outbox entry already gone (acknowledged?): not dead-lettered');
  }

  async backlog(): Promise<Backlog> {
    const count = this.context.meter.count(this.connector);
    const [oldest] = count === 0 ? [] : await this.context.db.values({ ...under(prefixes.outbox(this.connector)), limit: 1 }).all();
    if (oldest === undefined) return { count: 0, oldestAgeMs: 0 };
    return { count, oldestAgeMs: Math.max(0, Date.now() - decodeEntry(oldest).at) };
  }

  /** Something was appended: wakes a waiting take. */
  arrived(): void {
    this.#arrivals.notify();
  }

  /** Cuts a waiting take short (it resolves empty); later takes reject. */
  close(): void {
    this.#closed = true;
    this.#arrivals.notify();
  }

  async #take(max: number, blockMs: number): Promise<OutboxEntry[]> {
    if (this.#closed) throw new Error('The store is closed');
    if (max < 1) return [];
    const deadline = Date.now() + blockMs;
    try {
      for (;;) {
        // Listen before looking, so an append between the look and the wait is not missed.
        const arrival = this.#arrivals.next();
        const taken = await this.#takeNext(max);
        const left = deadline - Date.now();
        if (taken.length > 0 || left <= 0) return taken;
        await waitAtMost(arrival, left);
        if (this.#closed) return [];
      }
    } catch (error) {
      if (this.#closed) return [];
      throw error;
    }
  }

  async #takeNext(max: number): Promise<OutboxEntry[]> {
    const { db, writer } = this.context;
    const prefix = prefixes.outbox(this.connector);
    const after = this.#lastTaken === undefined ? undefined : keys.outbox(this.connector, this.#lastTaken);
    const entries = await db.iterator({ ...under(prefix, after), limit: max }).all();
    if (entries.length === 0) return [];
    const refs = entries.map(([key]) => refOf(key));
    const counts = await db.getMany(refs.map((ref) => keys.taken(this.connector, ref)));
    const taken = entries.map(([, value], i): OutboxEntry => ({
      ref: refs[i]!,
      envelope: decodeStoredEnvelope(decodeEntry(value).envelopeJson),
      deliveries: Number(counts[i] ?? 0) + 1,
    }));
    // Outside the writer: only this take writes these keys until it returns. Not fsync'd: a
    // machine crash may forget a count, never an entry.
    await writer.commit(taken.map((t) => ({ type: 'put', key: keys.taken(this.connector, t.ref), value: String(t.deliveries) })), false);
    this.#lastTaken = refs.at(-1);
    return taken;
  }
}
