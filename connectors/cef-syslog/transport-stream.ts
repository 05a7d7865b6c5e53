import { connect as netConnect, type Socket } from 'node:net';
import { setImmediate as nextIoTurn } from 'node:timers/promises';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { packBodies } from '../splunk-hec/encoder.js';
import { MAX_WINDOW_BYTES, ResendWindow } from './resend-window.js';
import { abortError, type SendResult, type SyslogTransport } from './transport.js';

/*
 * TCP and TLS share this transport; only dialing differs. TCP does not go through syslog-client
 * (which UDP uses) because there a write can be confirmed and the record still lost: after the
 * receiver closed or restarted, its `log()` writes into the dead connection and reports success
 * before it notices the close (seen with 1.1.1 against a restarted listener). It also has no
 * octet counting, formats its own header, and cannot be aborted.
 */

export type Framing = 'octet_counting' | 'lf';

/** One record framed for a stream (RFC 6587): `LEN SP MSG`, LEN in bytes, or `MSG LF`. */
export function frame(record: string, framing: Framing): string {
  return framing === 'octet_counting' ? `${Buffer.byteLength(record)} ${record}` : `${record}\n`;
}

/** Opens a connection ready to carry records; rejects when it cannot, or on abort. */
export type Dial = (signal: AbortSignal) => Promise<Socket>;

export interface StreamTransportOptions {
  readonly dial: Dial;
  readonly framing: Framing;
  /** Most bytes in one write (and never more than WRITE_CHUNK_BYTES): a batch goes out as consecutive frames in few writes. */
  readonly maxWriteBytes: number;
  /** On an unexpected close, the records written this long before it are written again on the next connection, ms (0: none). */
  readonly resendWindowMs: number;
  readonly logger: Logger;
  /** Epoch ms; `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * Most bytes in one write. Between writes the transport looks at the connection again, so a
 * receiver's close (FIN) is noticed within a chunk, not after a whole batch was poured into it.
 */
export const WRITE_CHUNK_BYTES = 64 * 1024;

/** Probes of an idle connection, so that a receiver gone silently is noticed before the next write. */
const KEEPALIVE_MS = 30_000;
/** How long `close()` lets the TLS close_notify and FIN go out before cutting the connection. */
const CLOSE_GRACE_MS = 1_000;
/** TLS 1.3: how long to wait for the receiver's session ticket (see `dialTls`). */
const TLS13_SETTLE_MS = 1_000;

/**
 * One persistent connection, opened on the first send and again on the send after it broke.
 * A record counts as written once the socket's write callback succeeded for it. Syslog has no
 * acknowledgement: a receiver that closes with our records unread in its buffers (or ours) loses
 * them, so the records written in the resend window before an unexpected close are written
 * again, first, on the next connection (ResendWindow). Writes are WRITE_CHUNK_BYTES at most,
 * the connection checked before each.
 */
export class StreamTransport implements SyslogTransport {
  #socket: Socket | undefined;
  #dialing: Promise<Socket> | undefined;
  #closed = false;
  readonly #window: ResendWindow;
  readonly #chunkBytes: number;

  constructor(private readonly options: StreamTransportOptions) {
    this.#window = new ResendWindow(options.resendWindowMs, options.now ?? Date.now);
    this.#chunkBytes = Math.min(options.maxWriteBytes, WRITE_CHUNK_BYTES);
  }

  async send(records: readonly string[], signal: AbortSignal): Promise<SendResult> {
    let written = 0;
    try {
      for (const { frames, body } of this.#chunks(records.map((r) => frame(r, this.options.framing)))) {
        await write(await this.#connection(signal), body, signal);
        this.#window.written(frames);
        written += frames.length;
      }
      return { written };
    } catch (error) {
      return { written, error };
    }
  }

  async check(signal: AbortSignal): Promise<void> {
    await this.#connection(signal);
  }

  async close(): Promise<void> {
    // Records a receiver may have lost just before: one try to write them, within the grace.
    if (this.#window.pending.length > 0 && !this.#closed) await this.#connection(AbortSignal.timeout(CLOSE_GRACE_MS)).catch(() => {});
    this.#closed = true;
    const socket = this.#socket;
    this.#socket = undefined;
    if (this.#window.pending.length > 0) {
      this.options.logger.warn({ records: this.#window.pending.length }, 'stopping with records the syslog receiver may have lost not re-sent');
    }
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  async #connection(signal: AbortSignal): Promise<Socket> {
    // Let pending I/O in first: a close or reset by the receiver since the last write is seen
    // now, rather than after our bytes went into the dead connection with a successful write.
    await nextIoTurn();
    if (this.#closed) throw new Error('transport closed');
    // A connection being opened is not ready before what the last one lost was written again.
    if (this.#dialing) return this.#dialing;
    const current = this.#socket;
    if (current && current.writable && !current.readableEnded && !current.destroyed) return current;
    if (current) this.#lost(current);
    current?.destroy();
    this.#dialing = this.#dial(signal);
    return this.#dialing;
  }

  async #dial(signal: AbortSignal): Promise<Socket> {
    try {
      const socket = await this.options.dial(signal);
      if (this.#closed) {
        socket.destroy();
        throw new Error('transport closed');
      }
      // The receiver's FIN, a reset or an error: whatever ends it first, the window is unconfirmed.
      const lost = () => this.#lost(socket);
      socket.once('end', lost).once('close', lost);
      this.#socket = socket;
      await this.#resend(socket, signal);
      return socket;
    } finally {
      this.#dialing = undefined;
    }
  }

  /** Writes what the last connection may have lost, before anything new; a failure ends this connection too. */
  async #resend(socket: Socket, signal: AbortSignal): Promise<void> {
    if (this.#window.pending.length === 0) return;
    try {
      for (const { frames, body } of this.#chunks(this.#window.pending)) {
        await write(socket, body, signal);
        this.#window.resent(frames.length);
      }
    } catch (error) {
      this.#lost(socket);
      socket.destroy();
      throw error;
    }
  }

  /** The connection ended without our asking (at most once per socket). */
  #lost(socket: Socket): void {
    if (socket !== this.#socket || this.#closed) return;
    this.#socket = undefined;
    const { records, truncated } = this.#window.lost();
    if (records === 0) return;
    const windowMs = this.options.resendWindowMs;
    this.options.logger.warn(
      { records, windowMs, ...(truncated && { windowCutToBytes: MAX_WINDOW_BYTES }) },
      `the syslog receiver closed the connection: the records written in the last ${windowMs} ms go again on the next connection (at least once)`,
    );
  }

  /** Framed records in writes of at most the chunk size, each with its frames. */
  *#chunks(frames: readonly string[]): Generator<{ frames: readonly string[]; body: string }> {
    let at = 0;
    for (const { body, count } of packBodies(frames, this.#chunkBytes)) {
      yield { frames: frames.slice(at, at + count), body };
      at += count;
    }
  }
}

/** Writes; resolves once the socket took all of `body`. A failed or aborted write ends the connection. */
function write(socket: Socket, body: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const onAbort = () => {
      socket.destroy();
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.write(body, (error) => {
      signal.removeEventListener('abort', onAbort);
      // Node calls back a write in flight without an error when the socket is destroyed under
      // it (by a reset, say): only a socket still alive proves the write went through.
      if (!error && !socket.destroyed) return resolve();
      socket.destroy();
      reject(error ?? socket.errored ?? new Error('connection lost during the write'));
    });
  });
}

export function dialTcp(host: string, port: number, logger: Logger): Dial {
  return async (signal) => {
    const socket = prepare(netConnect({ host, port }), logger);
    await settle(socket, 'connect', signal);
    return socket;
  };
}

/** TLS with the caller's verification settings (CA, client certificate, server name, rejectUnauthorized). */
export function dialTls(options: ConnectionOptions, logger: Logger): Dial {
  return async (signal) => {
    const socket = prepare(tlsConnect(options), logger) as TLSSocket;
    let ticket = false;
    socket.once('session', () => (ticket = true));
    await settle(socket, 'secureConnect', signal);
    // TLS 1.3 ends the client's handshake before the receiver has checked our certificate: a
    // refusal comes as an alert after 'secureConnect', when records written meanwhile would
    // count as sent. The session ticket a server sends once it accepted us rules that out;
    // a server that sends none gets a short grace instead.
    if (socket.getProtocol() === 'TLSv1.3' && !ticket) await settle(socket, 'session', signal, TLS13_SETTLE_MS);
    // Never write from within the 'session' event: OpenSSL is still processing the ticket then.
    await nextIoTurn();
    return socket;
  };
}

/** What every connection needs, from its creation on. */
function prepare(socket: Socket, logger: Logger): Socket {
  socket.setKeepAlive(true, KEEPALIVE_MS);
  // Receivers send nothing; reading anyway is what lets a close by the receiver be seen.
  socket.resume();
  // An idle connection's error must not crash the process; sends report their own.
  socket.on('error', (error: NodeJS.ErrnoException) => logger.debug({ code: error.code, err: error.message }, 'syslog connection error'));
  socket.once('close', () => logger.debug('syslog connection closed'));
  return socket;
}

/**
 * Resolves on `event` (or after `orAfterMs` when given); rejects, and destroys the socket, on
 * error, close or abort first.
 */
function settle(socket: Socket, event: string, signal: AbortSignal, orAfterMs?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = orAfterMs === undefined ? undefined : setTimeout(() => finish(), orAfterMs);
    const onEvent = () => finish();
    const onError = (error: Error) => finish(error);
    const onClose = () => finish(new Error('connection closed by the receiver'));
    const onAbort = () => finish(abortError(signal));
    function finish(error?: Error) {
      clearTimeout(timer);
      socket.off(event, onEvent).off('error', onError).off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (!error) return resolve();
      socket.destroy();
      reject(error);
    }
    if (signal.aborted) return onAbort();
    socket.once(event, onEvent).once('error', onError).once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
