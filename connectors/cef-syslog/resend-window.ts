/** Most bytes of framed records the window keeps, so a firehose cannot hold the heap hostage. */
export const MAX_WINDOW_BYTES = 16 * 1024 * 1024;

interface Written {
  readonly at: number;
  readonly frame: string;
  readonly bytes: number;
}

/** What `lost()` found to send again. */
export interface Lost {
  readonly records: number;
  /** Whether MAX_WINDOW_BYTES cut the window short: older records of it are not sent again. */
  readonly truncated: boolean;
}

/**
 * The framed records a stream wrote in the last `windowMs`. Plain syslog acknowledges nothing:
 * a receiver that closes or restarts may lose what was in its buffers, or in ours, when the
 * connection went. So when it goes unexpectedly, what was written in the window before is taken
 * as unconfirmed and `pending`, to be written again first thing on the next connection: at
 * least once, a duplicate rather than a loss.
 */
export class ResendWindow {
  /** Oldest first, from `#head` on (a queue that compacts now and then rather than shifting). */
  #written: Written[] = [];
  #head = 0;
  #bytes = 0;
  /** When the newest record dropped for MAX_WINDOW_BYTES was written; -Infinity when none. */
  #cutAt = Number.NEGATIVE_INFINITY;
  #pending: string[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxBytes = MAX_WINDOW_BYTES,
  ) {}

  /** Records waiting to be written again, oldest first. */
  get pending(): readonly string[] {
    return this.#pending;
  }

  /** These framed records were handed to the connection, in order. */
  written(frames: readonly string[]): void {
    if (this.windowMs <= 0) return;
    const at = this.now();
    for (const frame of frames) {
      const bytes = Buffer.byteLength(frame);
      this.#written.push({ at, frame, bytes });
      this.#bytes += bytes;
    }
    this.#prune(at);
  }

  /** The first `count` pending records were written again (and are in the window once more). */
  resent(count: number): void {
    this.written(this.#pending.splice(0, count));
  }

  /** The connection went unexpectedly: what the window holds becomes pending, after what already was. */
  lost(): Lost {
    const now = this.now();
    this.#prune(now);
    const truncated = this.#cutAt >= now - this.windowMs;
    const kept = this.#written.slice(this.#head);
    for (const w of kept) this.#pending.push(w.frame);
    this.#written = [];
    this.#head = 0;
    this.#bytes = 0;
    return { records: kept.length, truncated };
  }

  #prune(now: number): void {
    while (this.#head < this.#written.length && (this.#written[this.#head]!.at < now - this.windowMs || this.#bytes > this.maxBytes)) {
      const gone = this.#written[this.#head]!;
      this.#bytes -= gone.bytes;
      if (gone.at >= now - this.windowMs) this.#cutAt = gone.at;
      this.#head += 1;
    }
    if (this.#head > 1_024 && this.#head * 2 > this.#written.length) {
      this.#written = this.#written.slice(this.#head);
      this.#head = 0;
    }
  }
}
