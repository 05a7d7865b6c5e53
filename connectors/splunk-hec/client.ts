import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { ProxySetting } from '../../src/delivery/dispatcher.js';
import { HttpClient } from '../../src/delivery/http-client.js';
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
  readonly proxy?: ProxySetting;
}

/** HEC's two endpoints, with its token, over the shared HTTP client (src/delivery/http-client.ts). */
export class HecClient {
  readonly #eventUrl: string;
  readonly #healthUrl: string;
  readonly #http: HttpClient;
  readonly #authorization: string;

  constructor(private readonly options: HecClientOptions) {
    this.#eventUrl = `${options.url}/services/collector/event`;
    this.#healthUrl = `${options.url}/services/collector/health`;
    this.#authorization = `Splunk ${options.token}`;
    this.#http = new HttpClient({ caFile: options.caFile, insecureSkipVerify: options.insecureSkipVerify, proxy: options.proxy });
  }

  /** POSTs concatenated event objects to `/services/collector/event`. */
  async send(body: string, signal: AbortSignal): Promise<HecAnswer> {
    const headers: Record<string, string> = { authorization: this.#authorization, 'content-type': 'application/json' };
    if (this.options.gzip) headers['content-encoding'] = 'gzip';
    const payload = this.options.gzip ? await gzip(body) : body;
    return this.#http.send({ method: 'POST', url: this.#eventUrl, headers, body: payload }, signal);
  }

  /** GETs `/services/collector/health`; with the token, HEC also checks it (400 when invalid). */
  health(signal: AbortSignal): Promise<HecAnswer> {
    return this.#http.send({ method: 'GET', url: this.#healthUrl, headers: { authorization: this.#authorization } }, signal);
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}
