import { request } from 'node:http';
import { describeNetworkError } from '../source/errors.js';
import type { Gap } from '../observability/gaps.js';
import type { DeadLetterListing, DeadLetterSelection, Operations } from './operations.js';

/** Where the running bridge answers: its local socket, or its operations endpoint with the token. */
export type BridgeTarget = { readonly socket: string } | { readonly url: string; readonly token?: string };

/** How long the bridge may take to answer one request by default, ms (a replay of many dead letters is one request). */
const TIMEOUT_MS = 60_000;

/** The bridge answered with an error, or could not be reached (`status` undefined). */
export class BridgeRequestError extends Error {
  override readonly name = 'BridgeRequestError';

  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** HTTP to the running bridge's operations API (src/ops/api.ts), for the CLI. */
export class BridgeClient {
  readonly target: BridgeTarget;
  readonly #timeoutMs: number;

  constructor(target: BridgeTarget, timeoutMs = TIMEOUT_MS) {
    this.target = target;
    this.#timeoutMs = timeoutMs;
  }

  /** e.g. `the local socket data/ops.sock`, `http://127.0.0.1:9464` */
  get where(): string {
    return 'socket' in this.target ? `the local socket ${this.target.socket}` : this.target.url;
  }

  get<T>(path: string): Promise<T> {
    return this.#send<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#send<T>('POST', path, JSON.stringify(body));
  }

  #send<T>(method: 'GET' | 'POST', path: string, body?: string): Promise<T> {
    const t = this.target;
    const location = 'socket' in t ? { socketPath: t.socket, path } : urlParts(t.url, path);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if ('token' in t && t.token !== undefined) headers.authorization = `Bearer ${t.token}`;
    return new Promise<T>((resolve, reject) => {
      const req = request({ ...location, method, headers, timeout: this.#timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(new BridgeRequestError(describeNetworkError(error))));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new BridgeRequestError(text.trim() || `HTTP ${res.statusCode}`, res.statusCode));
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            reject(new BridgeRequestError(`not the answer of an s4e-bridge operations endpoint: ${text.slice(0, 80)}`, res.statusCode));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#timeoutMs / 1000} s`)));
      req.on('error', (error) => reject(new BridgeRequestError(describeNetworkError(error))));
      req.end(body);
    });
  }
}

/** The operations, done by the running bridge on the store it holds. */
export function bridgeOperations(client: BridgeClient): Operations {
  const connectorQuery = (connectors: readonly string[] | undefined) => (connectors ?? []).map((c) => `&connector=${encodeURIComponent(c)}`).join('');
  return {
    listDeadLetters: (connectors, limit) => client.get<DeadLetterListing>(`/dlq?limit=${limit}${connectorQuery(connectors)}`),
    replayDeadLetters: async (selection: DeadLetterSelection) => (await client.post<{ replayed: Record<string, number> }>('/dlq/replay', selection)).replayed,
    dropDeadLetters: async (selection: DeadLetterSelection) => (await client.post<{ dropped: Record<string, number> }>('/dlq/drop', selection)).dropped,
    gaps: async () => (await client.get<{ gaps: Gap[] }>('/gaps')).gaps,
    acknowledgeGaps: async (subscriptions) => (await client.post<{ acknowledged: Gap[] }>('/gaps/ack', { subscriptions })).acknowledged,
  };
}

function urlParts(base: string, path: string): { host: string; port: string; path: string } {
  const url = new URL(path, base);
  if (url.protocol !== 'http:') throw new BridgeRequestError(`the operations endpoint is plain HTTP: ${base} is not an http:// URL`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || '80', path: `${url.pathname}${url.search}` };
}
