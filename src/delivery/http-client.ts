import { readFileSync } from 'node:fs';
import { request, type Dispatcher } from 'undici';
import { createDispatcher, type ProxySetting } from './dispatcher.js';

/** What came back from one request, whatever its status. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** The `Retry-After` header, raw (see classify.ts `parseRetryAfter`). */
  readonly retryAfter: string | null;
}

export interface HttpClientOptions {
  /** PEM file of the CA(s) to trust instead of Node's built-in roots. */
  readonly caFile?: string;
  /** Accept any server certificate. @default false */
  readonly insecureSkipVerify?: boolean;
  /** The connector's `proxy` (or the config's default); absent: the environment's. */
  readonly proxy?: ProxySetting;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/**
 * HTTP for connectors, over one keep-alive pool, through the proxy when one applies
 * (dispatcher.ts). Answers come back whatever their status; only the network fails by throwing
 * (with a `code`: ECONNREFUSED, a TLS code, ETIMEDOUT, PROXY_407…), so that connectors classify
 * both (classify.ts). Deadlines come with the caller's signal (the delivery layer's
 * `delivery.timeout`).
 */
export class HttpClient {
  readonly #agent: Dispatcher;

  constructor(options: HttpClientOptions = {}) {
    // The CA file is read once, here: a missing file stops the start, not every delivery.
    const ca = options.caFile ? readFileSync(options.caFile, 'utf8') : undefined;
    this.#agent = createDispatcher({ proxy: options.proxy, tls: { ca, rejectUnauthorized: !options.insecureSkipVerify } });
  }

  async send({ method, url, headers, body }: HttpRequest, signal: AbortSignal): Promise<HttpAnswer> {
    try {
      const response = await request(url, { method, headers, body, dispatcher: this.#agent, signal });
      const retryAfter = response.headers['retry-after'];
      return {
        status: response.statusCode,
        body: await response.body.text(),
        retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null,
      };
    } catch (error) {
      // An abort surfaces as the signal's reason (a DOMException, whose numeric `code` says
      // nothing); name it.
      if (signal.aborted) {
        const timedOut = (signal.reason as Error | undefined)?.name === 'TimeoutError';
        throw codedError(timedOut ? 'ETIMEDOUT' : 'ABORTED', timedOut ? 'no answer in time' : 'request aborted', error);
      }
      // undici says only "Proxy response (407) !== 200 when HTTP Tunneling": give it a code.
      const proxyStatus = /^Proxy response \((\d{3})\)/.exec((error as Error).message)?.[1];
      if (proxyStatus) throw codedError(`PROXY_${proxyStatus}`, `the proxy answered ${proxyStatus} to CONNECT`, error);
      throw error;
    }
  }

  /** Destroys the pooled sockets (the delivery layer has stopped sending by then). */
  close(): Promise<void> {
    return this.#agent.destroy();
  }
}

function codedError(code: string, message: string, cause: unknown): Error {
  return Object.assign(new Error(message, { cause }), { code });
}
