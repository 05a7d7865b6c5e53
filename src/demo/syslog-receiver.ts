import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer as createTcpServer, isIPv6, type AddressInfo, type Server, type Socket } from 'node:net';
import { setImmediate as nextIoTurn } from 'node:timers/promises';
import { createServer as createTlsServer } from 'node:tls';

/**
 * A syslog receiver on loopback, for the demo and the tests: UDP datagrams, or TCP and TLS
 * streams with octet-counting (`LEN SP MSG`) or LF framing (RFC 6587, RFC 5425). It keeps each
 * record as received, framing removed.
 */
export interface SyslogReceiverOptions {
  readonly transport: 'udp' | 'tcp' | 'tls';
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Stream framing; `auto` tells each frame by its first byte, a digit starting an octet count
   * (RFC 6587 §3.4). A frame that breaks the expected framing ends its connection. @default 'auto'
   */
  readonly framing?: StreamFraming | 'auto';
  /** PEM key and certificate for tls; with `requestCert`, clients must show a certificate that `ca` signed. */
  readonly tls?: { readonly key: string; readonly cert: string; readonly ca?: string; readonly requestCert?: boolean };
  /** Appends each record to this file, one per line. */
  readonly file?: string;
  /** Most records kept for `messages()` (the oldest go first); `count` counts them all. @default 100_000 */
  readonly retain?: number;
}

export type StreamFraming = 'octet_counting' | 'lf';

export interface SyslogReceiver {
  readonly port: number;
  /** Records received, oldest first (the last `retain` of them), one per record, framing removed. */
  messages(): string[];
  /** Records received since start. */
  readonly count: number;
  /**
   * Drops every connection and listens again on the same port: a syslog daemon restarting.
   * Like close(), it first reads what had already arrived.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Larger octet counts are taken for garbage, not waited for. */
const MAX_FRAME_BYTES = 8 * 1024 * 1024;

export async function startSyslogReceiver(options: SyslogReceiverOptions): Promise<SyslogReceiver> {
  const retain = options.retain ?? 100_000;
  if (!Number.isInteger(retain) || retain < 1) throw new RangeError(`retain must be a positive integer, got ${retain}`);
  if (options.transport === 'tls' && !options.tls) throw new TypeError('transport tls needs tls.key and tls.cert');
  const host = options.host ?? '127.0.0.1';
  const file: WriteStream | undefined = options.file ? createWriteStream(options.file, { flags: 'a' }) : undefined;
  let records: string[] = [];
  let count = 0;
  const accept = (record: string) => {
    count += 1;
    records.push(record);
    // Trim in bulk, not per record, so a full buffer costs one copy per `retain` records.
    if (records.length > 2 * retain) records = records.slice(-retain);
    file?.write(`${record}\n`);
  };

  const listener = options.transport === 'udp' ? udpListener(host, accept) : streamListener(host, options, accept);
  const port = await listener.listen(options.port ?? 0);

  return {
    port,
    messages: () => records.slice(-retain),
    get count() {
      return count;
    },
    async restart() {
      await listener.stop();
      await listener.listen(port);
    },
    async close() {
      await listener.stop();
      if (file) await new Promise<void>((resolve) => file.end(resolve));
    },
  };
}

interface Listener {
  /** Resolves with the bound port. */
  listen(port: number): Promise<number>;
  /** Stops listening and drops every connection, after reading what had already arrived. */
  stop(): Promise<void>;
}

function udpListener(host: string, accept: (record: string) => void): Listener {
  let socket: UdpSocket | undefined;
  return {
    async listen(port) {
      socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
      // Some senders end a datagram with an LF (RFC 5426 has none); it is not part of the record.
      socket.on('message', (datagram) => accept(datagram.toString('utf8').replace(/\n$/, '')));
      socket.bind(port, host);
      await once(socket, 'listening');
      return socket.address().port;
    },
    async stop() {
      await nextIoTurn();
      const closing = socket;
      socket = undefined;
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}

function streamListener(host: string, options: SyslogReceiverOptions, accept: (record: string) => void): Listener {
  const framing = options.framing ?? 'auto';
  const connections = new Set<Socket>();
  const onStream = (stream: Socket) => {
    const deframer = new SyslogDeframer(framing, accept);
    stream.on('data', (chunk: Buffer) => {
      try {
        deframer.push(chunk);
      } catch {
        stream.destroy(); // a broken frame leaves nothing to resynchronize on
      }
    });
    stream.on('error', () => {}); // resets by clients are their business
  };
  const server: Server = options.tls
    ? createTlsServer({ ...options.tls, rejectUnauthorized: true }, onStream)
    : createTcpServer(onStream);
  // Tracks raw connections (under TLS too, handshakes included) so stop() can drop them all.
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => connections.delete(socket));
  });
  server.on('tlsClientError', () => {}); // refused handshakes: the client sees them
  return {
    async listen(port) {
      server.listen(port, host);
      await once(server, 'listening');
      return (server.address() as AddressInfo).port;
    },
    async stop() {
      await nextIoTurn();
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Splits a byte stream into syslog records. Octet counting: `LEN SP MSG`, LEN the decimal byte
 * length of MSG; LF framing: `MSG LF`, empty lines skipped. Works on bytes, so a multi-byte
 * character split across chunks or counted in LEN is read correctly.
 */
export class SyslogDeframer {
  #buffer: Buffer = Buffer.alloc(0);

  constructor(
    private readonly framing: StreamFraming | 'auto',
    private readonly onRecord: (record: string) => void,
  ) {}

  /** Feeds the next bytes; calls `onRecord` for each record completed. Throws on a malformed octet count. */
  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length > 0 ? Buffer.concat([this.#buffer, chunk]) : chunk;
    let offset = 0;
    for (let end = this.#next(offset); end !== undefined; end = this.#next(offset)) offset = end;
    this.#buffer = this.#buffer.subarray(offset);
  }

  /** Reads the frame at `start`; returns where the next one starts, or undefined while it is incomplete. */
  #next(start: number): number | undefined {
    const buffer = this.#buffer;
    if (start >= buffer.length) return undefined;
    const counted = this.framing === 'octet_counting' || (this.framing === 'auto' && isDigit(buffer[start]!));
    if (!counted) {
      const lf = buffer.indexOf(0x0a, start);
      if (lf < 0) return undefined;
      if (lf > start) this.onRecord(buffer.toString('utf8', start, lf));
      return lf + 1;
    }
    let at = start;
    let length = 0;
    while (at < buffer.length && isDigit(buffer[at]!)) {
      length = length * 10 + buffer[at]! - 0x30;
      if (length > MAX_FRAME_BYTES) throw new SyntaxError(`octet count over ${MAX_FRAME_BYTES}`);
      at += 1;
    }
    if (at === buffer.length) return undefined;
    if (at === start || buffer[at] !== 0x20) throw new SyntaxError('expected an octet count and a space');
    const end = at + 1 + length;
    if (end > buffer.length) return undefined;
    this.onRecord(buffer.toString('utf8', at + 1, end));
    return end;
  }
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}
