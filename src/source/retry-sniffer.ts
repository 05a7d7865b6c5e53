const FIELD = Buffer.from('retry:');
const LF = 0x0a;
const CR = 0x0d;
/** Longest line still worth holding across chunks: `retry:`, a space, a number. */
const MAX_LINE = 32;

/**
 * Finds the `retry:` field in raw stream bytes. eventsource parses it but keeps the value
 * private; the field is rare (usually once per connection), so one Buffer.indexOf per chunk is
 * all this costs, and only a line that could be the field is held across chunk boundaries.
 */
export class RetrySniffer {
  /** The start of a line that may be the field, split off the end of the previous chunk. */
  #pending: Buffer | undefined;
  #atLineStart = true;

  /** The last valid `retry:` value completed in this chunk, ms. */
  feed(chunk: Uint8Array): number | undefined {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const buf = this.#pending ? Buffer.concat([this.#pending, bytes]) : bytes;
    const startsLine = this.#pending !== undefined || this.#atLineStart;
    this.#pending = undefined;

    let found: number | undefined;
    for (let i = buf.indexOf(FIELD); i !== -1; i = buf.indexOf(FIELD, i + FIELD.length)) {
      if (i === 0 ? !startsLine : !isEol(buf[i - 1])) continue;
      const end = lineEnd(buf, i);
      if (end === -1) break; // unfinished: kept below
      const value = /^ ?(\d+)$/.exec(buf.toString('latin1', i + FIELD.length, end));
      if (value) found = Number(value[1]);
    }

    const last = buf.length - 1;
    this.#atLineStart = isEol(buf[last]);
    const tailStart = lastEol(buf) + 1;
    if (tailStart > 0 || startsLine) {
      const tail = buf.subarray(tailStart);
      const n = Math.min(tail.length, FIELD.length);
      if (tail.length > 0 && tail.length <= MAX_LINE && tail.subarray(0, n).equals(FIELD.subarray(0, n))) {
        this.#pending = Buffer.from(tail);
      }
    }
    return found;
  }
}

function isEol(byte: number | undefined): boolean {
  return byte === LF || byte === CR;
}

function lineEnd(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) if (isEol(buf[i])) return i;
  return -1;
}

function lastEol(buf: Buffer): number {
  return Math.max(buf.lastIndexOf(LF), buf.lastIndexOf(CR));
}
