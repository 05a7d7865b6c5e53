import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { Agent, request } from 'undici';
import type { HecAnswer } from './response.js';

const gzip = promisify(gzipCallback);

export interface HecClientOptions {
  /** HEC base URL without a trailing slash. */
  readonly url: string;
  readonly token: string;
  /** Gzip request bodies. @default false */
  readonly gzip?: boolean;
  /** PEM file of the CA(s) to trust instead of Node's built-in roots. */
  readonly caFile?: string;
  /** Accept any server certificate. @default false */
  readonly insecureSkipVerify?: boolean;
}

/**
 * HTTP to one HEC endpoint over a keep-alive pool. Answers come back whatever their status;
 * only the network fails by throwing (with a `code`: ECONNREFUSED, a TLS code, ETIMEDOUT…).
 * Deadlines come with the caller's signal (the delivery layer's `delivery.timeout`).
 */
export class HecClient {
  readonly #eventUrl: string;
  readonly #healthUrl: string;
  readonly #agent: Agent;
  readonly #authorization: string;

  constructor(private readonly options: HecClientOptions) {
    this.#eventUrl = `${options.url}/services/collector/event`;
    this.#healthUrl = `${options.url}/services/collector/health`;
    this.#authorization = `Splunk ${options.token}`;
    // The CA file is read once, here: a missing file stops the start, not every delivery.
    const ca = options.caFile ? readFileSync(options.caFile, 'utf8') : undefined;
    this.#agent = new Agent({ connect: { ...(ca && { ca }), rejectUnauthorized: !options.insecureSkipVerify } });
  }

  /** POSTs concatenated event objects to `/services/collector/event`. */
  async send(body: string, signal: AbortSignal): Promise<HecAnswer> {
    const headers: Record<string, string> = { authorization: this.#authorization, 'content-type': 'application/json' };
    if (this.options.gzip) headers['content-encoding'] = 'gzip';
    const payload = this.options.gzip ? await gzip(body) : body;
    return this.#call('POST', this.#eventUrl, headers, payload, signal);
  }

  /** GETs `/services/collector/health`; with the token, HEC also checks it (400 when invalid). */
  health(signal: AbortSignal): Promise<HecAnswer> {
    return this.#call('GET', this.#healthUrl, { authorization: this.#authorization }, undefined, signal);
  }

  /** Destroys the pooled sockets (the delivery layer has stopped sending by then). */
  close(): Promise<void> {
    return this.#agent.destroy();
  }

  async #call(
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    signal: AbortSignal,
  ): Promise<HecAnswer> {
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
      throw error;
    }
  }
}

function codedError(code: string, message: string, cause: unknown): Error {
  return Object.assign(new Error(message, { cause }), { code });
}
