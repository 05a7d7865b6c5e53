import { once } from 'node:events';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';
import type { Redactor } from './redact.js';

/** One request to the operations endpoint, as the routes see it. */
export interface OpsRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The `Authorization` header, if any. */
  readonly authorization: string | undefined;
  /** A POST's body, parsed as JSON (`{}` when empty). */
  readonly body: unknown;
  /** Came through the local socket, which only the bridge's own user can open. */
  readonly local: boolean;
}

export interface OpsAnswer {
  readonly status: number;
  readonly type: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type OpsHandler = (request: OpsRequest) => Promise<OpsAnswer>;

export interface OpsServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); the logged and returned `url` says which. */
  readonly port: number;
  /** Also listen on this Unix socket (mode 0600), for the CLI on this host. */
  readonly socket?: string;
  /** Connections open at once over TCP, beyond which new ones are closed at once (server.max_connections). */
  readonly maxConnections: number;
  readonly handle: OpsHandler;
  /** Applied to every body, as to every log line: no configured secret leaves the process here either. */
  readonly redact: Redactor;
  readonly logger: Logger;
}

export interface OpsServer {
  /** e.g. `http://127.0.0.1:9464` */
  readonly url: string;
  /** The local socket's path, when it listens on one. */
  readonly socket: string | undefined;
  close(): Promise<void>;
}

export const TEXT = 'text/plain; charset=utf-8';

/**
 * Bounds on a connection, so that clients that connect and say nothing (or say it slowly)
 * cannot hold descriptors the data path needs: a request's head must arrive within
 * HEADERS_TIMEOUT_MS and the whole request within REQUEST_TIMEOUT_MS, and a socket silent for
 * IDLE_TIMEOUT_MS is closed (Node's head timeout does not cover a client that sends nothing).
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const IDLE_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const DROP_LOG_INTERVAL_MS = 60_000;
/** The largest request body read (a dead-letter selection), bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The operations endpoint's transport: TCP at `host:port` (and a local socket), bounded
 * connections, masked bodies. What it answers is `handle`'s (src/ops/api.ts).
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const tcp = httpServer(options, false);
  tcp.maxConnections = options.maxConnections;
  let dropped = 0;
  let warnedAt = 0;
  tcp.on('drop', () => {
    // At most a line a minute: a flood must not flood the log as well.
    dropped += 1;
    if (Date.now() - warnedAt < DROP_LOG_INTERVAL_MS) return;
    options.logger.warn({ maxConnections: options.maxConnections, dropped }, 'operations endpoint at its connection limit (server.max_connections): new connections closed');
    warnedAt = Date.now();
    dropped = 0;
  });
  tcp.listen(options.port, options.host);
  await once(tcp, 'listening').catch((error: Error) => {
    throw listenError(error, options);
  });
  const { port } = tcp.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  const local = options.socket === undefined ? undefined : await listenLocal(httpServer(options, true), options.socket, options.logger);
  options.logger.info({ url, ...(local && { socket: options.socket }) }, 'operations endpoint listening (/healthz /readyz /metrics /status)');
  return {
    url,
    socket: local ? options.socket : undefined,
    close: async () => {
      await Promise.all([closeServer(tcp), local && closeServer(local)]);
      if (local) rmSync(options.socket!, { force: true });
    },
  };
}

function httpServer(options: OpsServerOptions, local: boolean): Server {
  const server = createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
    (req, res) => {
      void serve(req, res, options, local);
    },
  );
  server.timeout = IDLE_TIMEOUT_MS;
  return server;
}

async function serve(req: IncomingMessage, res: ServerResponse, options: OpsServerOptions, local: boolean): Promise<void> {
  let answer: OpsAnswer;
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = req.method === 'POST' ? await readJson(req) : {};
    answer = await options.handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, body, local });
  } catch (error) {
    answer = error instanceof BadRequest ? { status: error.status, type: TEXT, body: `${error.message}\n` } : { status: 500, type: TEXT, body: `${(error as Error).message}\n` };
  }
  const text = options.redact(answer.body);
  res.writeHead(answer.status, { ...answer.headers, 'content-type': answer.type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** A request the routes or the transport refuse, with its status. */
export class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(413, `a request body is at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequest(400, 'the request body is not JSON');
  }
}

/**
 * The local socket, readable and writable by the bridge's user only. A socket file left by a
 * bridge that was killed is removed first: whoever holds the store (its lock) owns the socket.
 */
async function listenLocal(server: Server, path: string, logger: Logger): Promise<Server | undefined> {
  rmSync(path, { force: true });
  server.listen(path);
  try {
    await once(server, 'listening');
    chmodSync(path, 0o600);
    return server;
  } catch (error) {
    // The CLI falls back to the TCP endpoint: worth a line, not a failed start.
    logger.warn({ socket: path, err: (error as NodeJS.ErrnoException).code ?? (error as Error).message }, 'cannot listen on the local operations socket; the CLI uses server.listen instead');
    server.close();
    return undefined;
  }
}

async function closeServer(server: Server): Promise<void> {
  // Scrapers keep connections alive: drop them, or close() waits for them.
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeAllConnections();
  await closed;
}

function listenError(error: Error, { host, port }: OpsServerOptions): Error {
  return new Error(`cannot listen on ${host}:${port} for the operations endpoint (server.listen): ${(error as NodeJS.ErrnoException).code ?? error.message}`);
}
