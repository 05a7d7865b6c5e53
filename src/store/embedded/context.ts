import type { Logger } from '../../observability/logger.js';
import type { BacklogMeter } from './backlog-meter.js';
import type { Database, Write } from './database.js';
import { encodeEntry, keys, padded } from './keys.js';
import type { Tally } from './tally.js';
import type { Writer } from './writer.js';

/** What the parts of the embedded store share. */
export interface EmbeddedContext {
  readonly db: Database;
  readonly writer: Writer;
  readonly refs: RefSequence;
  readonly meter: BacklogMeter;
  /** Dead letters per connector. */
  readonly deadLetters: Tally;
  readonly logger: Logger;
  /** Wakes the takes waiting on `connector`'s outbox. */
  readonly arrived: (connector: string) => void;
}

/** Refs of new records: increasing, never reused. Used inside Writer.run only. */
export class RefSequence {
  constructor(private last: number) {}

  next(): string {
    this.last += 1;
    return padded(this.last);
  }

  /** Records the refs handed out so far: part of every batch that uses new ones. */
  write(): Write {
    return { type: 'put', key: keys.sequence, value: String(this.last) };
  }
}

/**
 * Outbox entries added by one batch: their writes, then, once the batch is committed,
 * `committed()` counts them and wakes the takes waiting for them.
 */
export class Appends {
  readonly writes: Write[] = [];
  readonly #added: { connector: string; bytes: number }[] = [];

  constructor(private readonly context: EmbeddedContext) {}

  add(connector: string, envelopeJson: string, at: number): void {
    const value = encodeEntry(at, envelopeJson);
    this.writes.push({ type: 'put', key: keys.outbox(connector, this.context.refs.next()), value });
    this.#added.push({ connector, bytes: Buffer.byteLength(value) });
  }

  committed(): void {
    for (const { connector, bytes } of this.#added) this.context.meter.change(connector, 1, bytes);
    for (const connector of new Set(this.#added.map((a) => a.connector))) this.context.arrived(connector);
  }
}
