import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { listen } from './listen.js';

/**
 * A Splunk HEC look-alike on loopback, for the demo and the tests: `/services/collector/event`
 * with token auth, concatenated-JSON batches, HEC's status codes and `invalid-event-number`, and
 * `/services/collector/health`. Failures can be scripted to exercise the bridge's retries.
 */
export interface HecReceiverOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The one token accepted. */
  readonly token: string;
  /** Appends each accepted event to this file as one JSON line. */
  readonly file?: string;
  /** PEM key and certificate: serve HTTPS. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** Most events kept for `received()` (the oldest go first); `eventCount` counts them all. @default 100_000 */
  readonly retain?: number;
}

/** The event object as the bridge encodes it (connectors/splunk-hec/encoder.ts). */
export interface HecEventBody {
  readonly id: string;
  readonly type: string;
  readonly severity?: string;
  readonly asset?: { readonly id?: string; readonly name?: string };
  readonly subscription: string;
  /** Status changes: told from the finding's stored state, or not. */
  readonly enriched?: boolean;
  readonly data: Readonly<Record<string, unknown>>;
}

/** One accepted HEC envelope. Only `event` is checked (present, not blank); its shape is trusted. */
export interface ParsedHecEvent {
  readonly time?: number;
  readonly host?: string;
  readonly source?: string;
  readonly sourcetype?: string;
  readonly index?: string;
  readonly fields?: Readonly<Record<string, string | string[]>>;
  readonly event: HecEventBody;
}

/** A scripted answer; `body` objects are sent as JSON. */
export interface HecScriptedAnswer {
  readonly status: number;
  readonly body?: string | object;
  readonly headers?: Readonly<Record<string, string>>;
}

/** HEC's answer for an event it will not take. @default { text: 'Invalid data format', code: 6 } */
export interface HecRejection {
  readonly text: string;
  readonly code: number;
}

export interface HecReceiver {
  /** Base URL, e.g. `http://127.0.0.1:41234`: the connector's `url`. */
  readonly url: string;
  /** Accepted events, oldest first (the last `retain` of them). */
  received(): ParsedHecEvent[];
  /** Every event accepted since start. */
  readonly eventCount: number;
  /** Requests to the event endpoint, whatever their answer. */
  readonly requests: number;
  /** Answers the next `n` event requests with `answer` instead of taking them. */
  failNext(n: number, answer: HecScriptedAnswer): void;
  /**
   * Rejects the first event of a request that matches, as HEC does a malformed one: 400 with
   * `invalid-event-number`, the events before it accepted. Undefined stops rejecting.
   */
  failWhen(predicate: ((event: ParsedHecEvent) => boolean) | undefined, rejection?: HecRejection): void;
  close(): Promise<void>;
}

const EVENT_PATHS = new Set(['/services/collector', '/services/collector/event', '/services/collector/event/1.0']);
const HEALTH_PATHS = new Set(['/services/collector/health', '/services/collector/health/1.0']);
const INVALID_FORMAT: HecRejection = { text: 'Invalid data format', code: 6 };

interface Reply {
  readonly status: number;
  readonly body: object | string;
  readonly headers?: Readonly<Record<string, string>>;
}

export async function startHecReceiver(options: HecReceiverOptions): Promise<HecReceiver> {
  const retain = options.retain ?? 100_000;
  if (!Number.isInteger(retain) || retain < 1) throw new RangeError(`retain must be a positive integer, got ${retain}`);
  const scripted: { remaining: number; answer: HecScriptedAnswer }[] = [];
  let rejectWhen: { predicate: (event: ParsedHecEvent) => boolean; rejection: HecRejection } | undefined;
  let events: ParsedHecEvent[] = [];
  let eventCount = 0;
  let requests = 0;
  const file: WriteStream | undefined = options.file ? createWriteStream(options.file, { flags: 'a' }) : undefined;

  const accept = (batch: readonly ParsedHecEvent[]) => {
    if (batch.length === 0) return;
    eventCount += batch.length;
    events.push(...batch);
    // Trim in bulk, not per event, so a full buffer costs one copy per `retain` events.
    if (events.length > 2 * retain) events = events.slice(-retain);
    file?.write(batch.map((e) => JSON.stringify(e)).join('\n') + '\n');
  };

  const authError = (req: IncomingMessage): Reply | undefined => {
    const header = req.headers.authorization;
    if (!header) return { status: 401, body: { text: 'Token is required', code: 2 } };
    const match = /^Splunk\s+(.+)$/.exec(header);
    if (!match) return { status: 401, body: { text: 'Invalid authorization', code: 3 } };
    return match[1] === options.token ? undefined : { status: 403, body: { text: 'Invalid token', code: 4 } };
  };

  const receive = async (req: IncomingMessage): Promise<Reply> => {
    requests += 1;
    const script = scripted[0];
    if (script) {
      if (--script.remaining <= 0) scripted.shift();
      const { status, body = '', headers } = script.answer;
      return { status, body, ...(headers && { headers }) };
    }
    const denied = authError(req);
    if (denied) return denied;
    const { parsed, rejected } = await readEvents(req, rejectWhen);
    accept(parsed);
    if (rejected) return { status: 400, body: rejected };
    if (parsed.length === 0) return { status: 400, body: { text: 'No data', code: 5 } };
    return { status: 200, body: { text: 'Success', code: 0 } };
  };

  const health = (req: IncomingMessage): Reply =>
    // Splunk checks a token when one is sent, and answers 400 for a bad one.
    req.headers.authorization && authError(req)
      ? { status: 400, body: { text: 'Invalid token', code: 4 } }
      : { status: 200, body: { text: 'HEC is healthy', code: 17 } };

  const route = async (req: IncomingMessage): Promise<Reply> => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'POST' && EVENT_PATHS.has(path)) return receive(req);
    if (req.method === 'GET' && HEALTH_PATHS.has(path)) return health(req);
    return { status: 404, body: { text: 'The requested URL was not found on this server.', code: 404 } };
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    route(req)
      .catch((): Reply => ({ status: 400, body: INVALID_FORMAT }))
      .then((reply) => {
        // Whatever was not read is drained, so the connection stays usable for keep-alive.
        req.resume();
        const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(body);
      });
  };

  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createHttpServer(handler);
  const hostPort = await listen(server, options.host, options.port);

  return {
    url: `${options.tls ? 'https' : 'http'}://${hostPort}`,
    received: () => events.slice(-retain),
    get eventCount() {
      return eventCount;
    },
    get requests() {
      return requests;
    },
    failNext(n, answer) {
      if (n > 0) scripted.push({ remaining: n, answer });
    },
    failWhen(predicate, rejection = INVALID_FORMAT) {
      rejectWhen = predicate && { predicate, rejection };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (file) await new Promise<void>((resolve) => file.end(resolve));
    },
  };
}

interface ReadResult {
  /** The events accepted: all of them, or those before the rejected one. */
  readonly parsed: ParsedHecEvent[];
  /** HEC's 400 body for the first event refused, if any. */
  readonly rejected?: { text: string; code: number; 'invalid-event-number': number };
}

/** Reads a (possibly gzipped) request body as HEC would: event by event, stopping at the first bad one. */
async function readEvents(
  req: IncomingMessage,
  rejectWhen: { predicate: (event: ParsedHecEvent) => boolean; rejection: HecRejection } | undefined,
): Promise<ReadResult> {
  const parsed: ParsedHecEvent[] = [];
  let rejected: ReadResult['rejected'];
  const reject = ({ text, code }: HecRejection) => {
    rejected = { text, code, 'invalid-event-number': parsed.length };
  };
  const splitter = new JsonObjectSplitter((text) => {
    if (rejected) return;
    const checked = checkEvent(text);
    if (!checked.ok) reject(checked.rejection);
    else if (rejectWhen?.predicate(checked.event)) reject(rejectWhen.rejection);
    else parsed.push(checked.event);
  });
  const decoder = new StringDecoder('utf8');
  const source = req.headers['content-encoding'] === 'gzip' ? req.pipe(createGunzip()) : req;
  // Keep reading after a rejection (ignoring the rest): the client is still sending.
  for await (const chunk of source as AsyncIterable<Buffer>) {
    if (rejected) continue;
    try {
      splitter.push(decoder.write(chunk));
    } catch {
      reject(INVALID_FORMAT);
    }
  }
  if (!rejected) {
    try {
      splitter.push(decoder.end());
      splitter.end();
    } catch {
      reject(INVALID_FORMAT);
    }
  }
  return { parsed, ...(rejected && { rejected }) };
}

type Checked = { readonly ok: true; readonly event: ParsedHecEvent } | { readonly ok: false; readonly rejection: HecRejection };

/** One object's text as an envelope, or why HEC would refuse it. */
function checkEvent(text: string): Checked {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, rejection: INVALID_FORMAT };
  }
  const event = (value as { event?: unknown }).event;
  if (event === undefined) return { ok: false, rejection: { text: 'Event field is required', code: 12 } };
  if (event === null || event === '' || (typeof event === 'object' && Object.keys(event).length === 0)) {
    return { ok: false, rejection: { text: 'Event field cannot be blank', code: 13 } };
  }
  return { ok: true, event: value as ParsedHecEvent };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/**
 * Splits a stream of concatenated JSON objects (`{…}{…} {…}`) at their boundaries, fed text in
 * chunks of any size. It tracks only strings and brace depth; each object's own syntax is left
 * to JSON.parse. Anything but whitespace between objects is an error.
 */
export class JsonObjectSplitter {
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** The start of an object that began in an earlier chunk. */
  #carried = '';

  constructor(private readonly onObject: (text: string) => void) {}

  /** Feeds the next text; calls `onObject` for each object it completes. Throws SyntaxError between objects. */
  push(text: string): void {
    let start = this.#depth > 0 ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === BACKSLASH) this.#escaped = true;
        else if (c === QUOTE) this.#inString = false;
      } else if (this.#depth > 0) {
        if (c === QUOTE) this.#inString = true;
        else if (c === OPEN) this.#depth += 1;
        else if (c === CLOSE && --this.#depth === 0) {
          const object = this.#carried + text.slice(start, i + 1);
          this.#carried = '';
          start = -1;
          this.onObject(object);
        }
      } else if (c === OPEN) {
        this.#depth = 1;
        start = i;
      } else if (!isJsonWhitespace(c)) {
        throw new SyntaxError(`expected '{' between objects, got ${JSON.stringify(text[i])}`);
      }
    }
    if (start >= 0) this.#carried += text.slice(start);
  }

  /** Ends the input; throws SyntaxError when an object was left open. */
  end(): void {
    if (this.#depth > 0) throw new SyntaxError('input ended inside an object');
  }
}

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
