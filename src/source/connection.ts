import { Batcher } from './batcher.js';
import { classifyResponse, describeError, type ConnectionEnd } from './errors.js';
import { RetrySniffer } from './retry-sniffer.js';
import { StreamSource } from './stream-source.js';
import { streamFetch } from './stream-fetch.js';
import type { ReadBudget } from './read-budget.js';
import { MAX_BATCH, type RawEvent } from './types.js';

export interface ConnectionOptions {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: typeof fetch;
  readonly connectTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly maxBuffered: number;
  readonly readBudget: ReadBudget;
  /** What a 404 means at this URL, for its reason (see classifyResponse). */
  readonly notFound?: string;
  onEvents(batch: RawEvent[]): Promise<void>;
  /** The platform accepted the connection and the stream is being read. */
  onOpen(): void;
  /** The server sent `retry:`, ms. */
  onRetry(ms: number): void;
}

/**
 * One connection's life: a fresh EventSource (never reused, so the only Last-Event-ID sent is
 * ours), its micro-batched delivery, and the heartbeat watchdog. Ends at the first of: a refused
 * response, a lost stream, silence, a failed onEvents, close().
 */
export class Connection {
  readonly #o: ConnectionOptions;
  readonly #batcher: Batcher<RawEvent>;
  readonly #sniffer = new RetrySniffer();
  #end: ConnectionEnd | undefined;
  #resolveEnd!: (end: ConnectionEnd) => void;
  readonly #ended = new Promise<ConnectionEnd>((resolve) => (this.#resolveEnd = resolve));
  #failure: ConnectionEnd | undefined;
  #openedAt: number | undefined;
  #lastActivity = 0;
  /** Backpressure is holding the body unread: silence is ours, not the server's. */
  #paused = false;
  #delivered = false;
  /** Bytes since the last line break. */
  #lineBytes = 0;

  constructor(options: ConnectionOptions) {
    this.#o = options;
    this.#batcher = new Batcher(
      async (batch) => {
        await options.onEvents(batch);
        this.#delivered = true;
      },
      (error) => {
        this.#failure = { kind: 'failed', reason: `onEvents failed: ${describeError(error)}` };
        this.#finish(this.#failure);
      },
      options.maxBuffered,
      MAX_BATCH,
      { budget: options.readBudget, weigh: (event) => event.data.length },
    );
  }

  /** Reads the stream until it ends; resolves once no onEvents call is in flight. */
  async run(lastEventId: string | undefined): Promise<ConnectionEnd> {
    const headers = { ...this.#o.headers, ...(lastEventId !== undefined && { 'Last-Event-ID': lastEventId }) };
    const fetch = streamFetch({
      fetch: this.#o.fetch,
      headers,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      onResponse: (status, responseHeaders) => this.#onResponse(status, responseHeaders),
      onChunk: (chunk) => this.#onChunk(chunk),
    });
    const source = new StreamSource(this.#o.url, fetch, {
      message: (event) => this.#batcher.push(toRawEvent(event)),
      error: (message, refused) => {
        const reason = message ? `connection failed: ${message}` : 'stream ended by the server';
        this.#finish({ kind: refused ? 'rejected' : 'dropped', reason });
      },
    });
    const watchdog = setInterval(() => this.#checkSilence(), Math.min(1_000, this.#o.heartbeatTimeoutMs / 4));

    const end = await this.#ended;
    // After the error dispatch that ended us, eventsource set its own reconnect timer: close clears it.
    source.close();
    clearInterval(watchdog);
    // Events already received on a lost stream are still good; after a failure or stop, none may follow.
    if (end.kind === 'dropped') await this.#batcher.drain();
    else await this.#batcher.close();
    return this.#failure ?? end;
  }

  /** Ends the connection (the subscription is stopping). */
  close(): void {
    this.#finish({ kind: 'stopped', reason: 'stopped' });
  }

  /**
   * Whether this connection proved the path works, so backoff starts over: onEvents took at
   * least one batch, or bytes kept arriving for HEALTHY_STREAM_MS (a quiet stream with only
   * comments is healthy; one that opens and then stays silent is not).
   */
  get healthy(): boolean {
    return this.#delivered || (this.#openedAt !== undefined && this.#lastActivity - this.#openedAt >= HEALTHY_STREAM_MS);
  }

  #finish(end: ConnectionEnd): void {
    if (this.#end) return;
    this.#end = end;
    this.#resolveEnd(end);
  }

  #onResponse(status: number, headers: Headers): boolean {
    if (this.#end) return false;
    const refusal = classifyResponse(status, headers, this.#o.url, this.#o.notFound);
    if (refusal) {
      this.#finish(refusal);
      return false;
    }
    this.#openedAt = this.#lastActivity = Date.now();
    this.#o.onOpen();
    return true;
  }

  #onChunk(chunk: Uint8Array): Promise<void> | undefined {
    this.#lastActivity = Date.now();
    // eventsource holds a line until it ends: a line without end would take all memory.
    const eol = lastLineBreak(chunk);
    this.#lineBytes = eol < 0 ? this.#lineBytes + chunk.length : chunk.length - 1 - eol;
    if (this.#lineBytes > MAX_LINE_BYTES) {
      this.#finish({ kind: 'dropped', reason: `a line of the stream is over ${MAX_LINE_BYTES} bytes: not read further` });
      return undefined;
    }
    const retry = this.#sniffer.feed(chunk);
    if (retry !== undefined) this.#o.onRetry(retry);
    const room = this.#batcher.whenRoom();
    if (!room) return undefined;
    this.#paused = true;
    return room.then(() => {
      this.#paused = false;
      this.#lastActivity = Date.now();
    });
  }

  #checkSilence(): void {
    if (this.#openedAt === undefined || this.#paused) return;
    if (Date.now() - this.#lastActivity > this.#o.heartbeatTimeoutMs) {
      this.#finish({ kind: 'dropped', reason: 'heartbeat timeout' });
    }
  }
}

/** Bytes flowing this long make a connection healthy even without events, ms. */
export const HEALTHY_STREAM_MS = 30_000;
/**
 * The longest line read, bytes: far above any event (decode sets aside data over 1 MB, with its
 * reason), low enough that a line that never ends cannot exhaust memory.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
const LF = 0x0a;
const CR = 0x0d;

/** Where the last CR or LF of `chunk` is, -1 when none. */
function lastLineBreak(chunk: Uint8Array): number {
  // Events end in LF, so lastIndexOf finds one near the end; a CR can only be after it. Not
  // lastIndexOf(CR): that scans the whole chunk when there is none (~14 µs a 16 KB chunk).
  const lf = chunk.lastIndexOf(LF);
  for (let i = chunk.length - 1; i > lf; i--) if (chunk[i] === CR) return i;
  return lf;
}

function toRawEvent(event: MessageEvent<string>): RawEvent {
  // eventsource reports a missing id as ''; an empty `id:` is no id either. Two literals, not a
  // conditional spread: `{ ...(c && {…}), … }` is ~20× slower in V8, and this runs per event.
  const id = event.lastEventId;
  const { type, data } = event;
  const receivedAt = Date.now();
  return id === '' ? { type, data, receivedAt } : { id, type, data, receivedAt };
}
