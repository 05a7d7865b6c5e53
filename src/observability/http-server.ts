import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Readiness } from './health.js';
import type { Logger } from './logger.js';
import type { Redactor } from './redact.js';

export interface OpsServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); the logged and returned `url` says which. */
  readonly port: number;
  readonly registry: Registry;
  readiness(): Promise<Readiness>;
  /** The `/status` document (JSON), for `s4e-bridge status`. */
  status(): Promise<unknown>;
  /** Applied to every body, as to every log line: no configured secret leaves the process here either. */
  readonly redact: Redactor;
  readonly logger: Logger;
}

export interface OpsServer {
  /** e.g. `http://0.0.0.0:9464` */
  readonly url: string;
  close(): Promise<void>;
}

type Answer = { readonly status: number; readonly type: string; readonly body: string };

const TEXT = 'text/plain; charset=utf-8';

/**
 * The operations endpoint: `/healthz` (the process answers), `/readyz` (see health.ts; 503 with
 * the problems), `/metrics` (Prometheus text), `/status` (JSON). Read-only, unauthenticated:
 * nothing it serves is a secret, and it is meant for the pod's network only.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    answer(req, options).then(
      (a) => send(res, a, options.redact),
      (error: unknown) => send(res, { status: 500, type: TEXT, body: `${(error as Error).message}\n` }, options.redact),
    );
  });
  server.listen(options.port, options.host);
  await once(server, 'listening').catch((error: Error) => {
    throw listenError(error, options);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  options.logger.info({ url }, 'operations endpoint listening (/healthz /readyz /metrics /status)');
  return {
    url,
    close: async () => {
      // Scrapers keep connections alive: drop them, or close() waits for them.
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function answer(req: IncomingMessage, options: OpsServerOptions): Promise<Answer> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, type: TEXT, body: 'only GET and HEAD\n' };
  switch (new URL(req.url ?? '/', 'http://localhost').pathname) {
    case '/healthz':
      return { status: 200, type: TEXT, body: 'ok\n' };
    case '/readyz': {
      const { ready, problems } = await options.readiness();
      return ready ? { status: 200, type: TEXT, body: 'ready\n' } : { status: 503, type: TEXT, body: `not ready:\n${problems.map((p) => `- ${p}\n`).join('')}` };
    }
    case '/metrics':
      return { status: 200, type: options.registry.contentType, body: await options.registry.metrics() };
    case '/status':
      return { status: 200, type: 'application/json', body: `${JSON.stringify(await options.status())}\n` };
    default:
      return { status: 404, type: TEXT, body: 'not found: try /healthz, /readyz, /metrics or /status\n' };
  }
}

function send(res: ServerResponse, { status, type, body }: Answer, redact: Redactor): void {
  const text = redact(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

function listenError(error: Error, { host, port }: OpsServerOptions): Error {
  return new Error(`cannot listen on ${host}:${port} for the operations endpoint (server.listen): ${(error as NodeJS.ErrnoException).code ?? error.message}`);
}
