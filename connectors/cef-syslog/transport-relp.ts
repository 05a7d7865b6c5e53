import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { abortError, type SendResult, type SyslogTransport } from './transport.js';
import type { Dial } from './transport-stream.js';

/*
 * RELP, the Reliable Event Logging Protocol (rsyslog's imrelp/omrelp, librelp): every frame is
 * `TXNR SP COMMAND SP DATALEN [SP DATA] LF`, and the receiver answers each with `TXNR rsp LEN
 * CODE [TEXT]`, 200 once it has taken the record. A session opens with `open` and the offers
 * (`relp_version=0`, `commands=syslog`), carries `syslog` frames, and ends with `close`; the
 * receiver may say `serverclose` (transaction number 0) when it shuts down.
 */

/** Frames sent and not yet answered, at most: librelp's default window. */
export const RELP_WINDOW = 128;
/** Transaction numbers run 1–999999999, then start over at 1. */
const MAX_TXNR = 999_999_999;
/** How long `close()` waits for the answer to `close`. */
const CLOSE_GRACE_MS = 1_000;
/** An answer longer than this is not RELP: the session ends. */
const MAX_ANSWER_BYTES = 128 * 1024;

const OFFERS = 'relp_version=0\nrelp_software=s4e-bridge\ncommands=syslog';

interface Answer {
  readonly code: number;
  /** The text after the code, first line; the offers follow on the next lines (for `open`). */
  readonly text: string;
  readonly data: string;
}

/** A RELP answer other than 200, or a session that ended before answering. */
export class RelpError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'RelpError';
  }
}

/**
 * Syslog over RELP: a record counts as written only once the receiver answered 200 for it, so
 * a receiver that restarts or dies loses nothing it did not confirm (the unconfirmed are
 * retried, and may arrive twice). One session, opened on the first send and again after it broke.
 */
export class RelpTransport implements SyslogTransport {
  #session: Promise<RelpSession> | undefined;
  #closed = false;

  constructor(
    private readonly dial: Dial,
    private readonly logger: Logger,
  ) {}

  async send(records: readonly string[], signal: AbortSignal): Promise<SendResult> {
    let session: RelpSession;
    try {
      session = await this.#open(signal);
    } catch (error) {
      return { written: 0, error };
    }
    return session.syslog(records, signal);
  }

  async check(signal: AbortSignal): Promise<void> {
    await this.#open(signal);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const session = await this.#session?.catch(() => undefined);
    this.#session = undefined;
    await session?.close();
  }

  #open(signal: AbortSignal): Promise<RelpSession> {
    if (this.#closed) return Promise.reject(new Error('transport closed'));
    const current = this.#session;
    const opening = (async () => {
      const existing = await current?.catch(() => undefined);
      if (existing?.alive) return existing;
      const session = new RelpSession(await this.dial(signal), this.logger);
      await session.open(signal);
      return session;
    })();
    this.#session = opening;
    opening.catch(() => {
      if (this.#session === opening) this.#session = undefined;
    });
    return opening;
  }
}

/** One RELP session on one connection. */
class RelpSession {
  #nextTxnr = 1;
  readonly #waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>();
  #input: Buffer = Buffer.alloc(0);
  #ended: Error | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly logger: Logger,
  ) {
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.once('close', () => this.#end(new RelpError('the RELP receiver closed the connection', 'ECONNRESET')));
    socket.on('error', (error: NodeJS.ErrnoException) => this.#end(Object.assign(new Error(error.message), { code: error.code })));
  }

  get alive(): boolean {
    return this.#ended === undefined && !this.socket.destroyed;
  }

  async open(signal: AbortSignal): Promise<void> {
    const answer = await this.#aborting(signal, () => this.#command('open', OFFERS));
    if (answer.code !== 200) throw this.#fail(new RelpError(`RELP open refused: ${answer.code} ${answer.text}`, `RELP_${answer.code}`));
    const commands = /^commands=(.*)$/m.exec(answer.data)?.[1]?.split(',') ?? [];
    if (!commands.includes('syslog')) throw this.#fail(new RelpError('the RELP receiver does not offer the syslog command', 'RELP_NO_SYSLOG'));
  }

  /**
   * Sends the records in order, up to RELP_WINDOW unanswered at once. Written: the records
   * before the first one not answered 200; the first failure stops further sending.
   */
  syslog(records: readonly string[], signal: AbortSignal): Promise<SendResult> {
    return this.#aborting(signal, () => this.#syslog(records));
  }

  async #syslog(records: readonly string[]): Promise<SendResult> {
    const answers: Promise<Answer>[] = [];
    let failure: unknown;
    for (const [i, record] of records.entries()) {
      if (i >= RELP_WINDOW) await answers[i - RELP_WINDOW]!.catch(() => {});
      if (failure !== undefined || !this.alive) break;
      const answer = this.#command('syslog', record);
      answer.catch((error: unknown) => (failure ??= error));
      answers.push(answer);
    }
    let written = 0;
    for (const answer of answers) {
      const result = await answer.then(
        (a) => (a.code === 200 ? undefined : new RelpError(`RELP ${a.code} ${a.text}`.trim(), `RELP_${a.code}`)),
        (error: unknown) => error,
      );
      if (result !== undefined) return { written, error: result };
      written += 1;
    }
    return written === records.length ? { written } : { written, error: failure ?? this.#ended ?? new Error('RELP session ended') };
  }

  /** Ends the session politely: `close`, its answer (briefly), then the connection. */
  async close(): Promise<void> {
    if (this.alive) await this.#aborting(AbortSignal.timeout(CLOSE_GRACE_MS), () => this.#command('close', '')).catch(() => {});
    this.socket.destroy();
  }

  /** Runs `work`; an abort meanwhile ends the session, failing what it waits for. */
  async #aborting<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    if (signal.aborted) throw this.#fail(abortError(signal));
    const onAbort = () => this.#fail(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await work();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  #command(command: string, data: string): Promise<Answer> {
    if (this.#ended) return Promise.reject(this.#ended);
    const txnr = this.#nextTxnr;
    this.#nextTxnr = txnr === MAX_TXNR ? 1 : txnr + 1;
    const bytes = Buffer.byteLength(data);
    return new Promise<Answer>((resolve, reject) => {
      this.#waiting.set(txnr, { resolve, reject });
      this.socket.write(bytes === 0 ? `${txnr} ${command} 0\n` : `${txnr} ${command} ${bytes} ${data}\n`);
    });
  }

  /** Parses whole frames out of what arrived; anything that is not RELP ends the session. */
  #read(chunk: Buffer): void {
    this.#input = this.#input.length === 0 ? chunk : Buffer.concat([this.#input, chunk]);
    for (;;) {
      const header = /^(\d{1,9}) ([a-z]{1,32}) (\d{1,9})([ \n])/.exec(this.#input.subarray(0, 64).toString('latin1'));
      if (!header) {
        if (this.#input.length >= 64 || /[^\d a-z\n]/.test(this.#input.subarray(0, 64).toString('latin1'))) this.#fail(new RelpError('the RELP receiver sent something that is not RELP', 'RELP_PROTOCOL'));
        return;
      }
      const [head, txnr, command, length, separator] = header as unknown as [string, string, string, string, string];
      const dataBytes = Number(length);
      if (dataBytes > MAX_ANSWER_BYTES) return void this.#fail(new RelpError('the RELP receiver sent an oversized frame', 'RELP_PROTOCOL'));
      const start = head.length;
      const end = separator === '\n' ? start - 1 : start + dataBytes;
      if (this.#input.length < end + 1) return;
      if (separator === ' ' && this.#input[end] !== 0x0a) return void this.#fail(new RelpError('a RELP frame without its trailer', 'RELP_PROTOCOL'));
      if (separator === '\n' && dataBytes !== 0) return void this.#fail(new RelpError('a RELP frame without its data', 'RELP_PROTOCOL'));
      const data = separator === '\n' ? '' : this.#input.subarray(start, end).toString('utf8');
      this.#input = this.#input.subarray(end + 1);
      this.#frame(Number(txnr), command, data);
    }
  }

  #frame(txnr: number, command: string, data: string): void {
    if (command === 'serverclose') {
      this.logger.debug('the RELP receiver is closing the session');
      return void this.#fail(new RelpError('the RELP receiver closed the session', 'RELP_SERVERCLOSE'));
    }
    const waiting = this.#waiting.get(txnr);
    if (command !== 'rsp' || !waiting) return void this.#fail(new RelpError(`unexpected RELP frame: ${txnr} ${command}`, 'RELP_PROTOCOL'));
    this.#waiting.delete(txnr);
    const [first = '', ...rest] = data.split('\n');
    const code = /^(\d{3})(?: (.*))?$/.exec(first);
    // `close` is answered with no data at all.
    waiting.resolve(code ? { code: Number(code[1]), text: code[2] ?? '', data: rest.join('\n') } : { code: data === '' ? 200 : 0, text: first, data: '' });
  }

  /** Ends the session with `error`; every unanswered frame fails with it. Returns the error. */
  #fail(error: Error): Error {
    this.#end(error);
    this.socket.destroy();
    return error;
  }

  #end(error: Error): void {
    this.#ended ??= error;
    for (const { reject } of this.#waiting.values()) reject(this.#ended);
    this.#waiting.clear();
  }
}
