import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { Backoff, sleep } from '../backoff.js';
import { parseRetryAfter } from '../delivery/classify.js';
import { createDispatcher } from '../delivery/dispatcher.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { redactUrl } from '../observability/redact.js';

/**
 * The S4E Scans REST API (doc 004) with the SDK's client model (doc 002): `base_url` (an on-prem
 * URL, path prefix kept), a 30 s timeout per request, 3 retries of 5xx and network errors, 429
 * waiting for its `retry-after`, 401/403 fatal (ScansAuthError), 404 ScansNotFoundError, 422
 * ScansValidationError, through an optional proxy, never logging the key.
 */
export interface ScansClientOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** `header`: `Authorization: Bearer`; `query`: `?token=` (as the stream is authenticated). */
  readonly auth: 'header' | 'query';
  /** Per request, ms. Default 30 000. */
  readonly timeoutMs?: number;
  /** Retries of 5xx and network errors. Default 3. */
  readonly retries?: number;
  /** 429s waited out per request before giving up. Default 10. */
  readonly maxRateLimitWaits?: number;
  /** Longest wait honoured for one 429, ms (a longer retry-after is capped). Default 5 min. */
  readonly maxRetryAfterMs?: number;
  readonly proxy?: string;
  readonly tls?: { readonly ca?: string; readonly rejectUnauthorized?: boolean };
  readonly logger?: Logger;
  /** Replaces undici's fetch (tests). */
  readonly fetch?: typeof fetch;
  /** Backoff between retries. Default 1 s doubling up to 30 s, with full jitter. */
  readonly backoff?: { readonly initialDelayMs: number; readonly maxDelayMs: number };
  readonly signal?: AbortSignal;
}

/** An item of `GET /api/scans` (`GET /api/scan/{id}`). */
export interface ScanSummary {
  readonly scan_id: string;
  readonly asset_id?: string;
  readonly asset_name?: string;
  readonly scan_type?: string;
  readonly status: string;
  readonly finding_summary?: Readonly<Record<string, number>>;
  readonly started_at?: string | null;
  readonly completed_at?: string | null;
  readonly duration_seconds?: number | null;
  readonly created_at?: string;
  readonly [field: string]: unknown;
}

/** An item of `GET /api/scan/{id}/results`. */
export interface ScanFindingResult {
  readonly id: string;
  readonly title?: string;
  readonly severity?: string;
  readonly cvss?: number;
  readonly status?: string;
  readonly discovered_at?: string;
  readonly [field: string]: unknown;
}

interface Page<T> {
  readonly data: T[];
  readonly meta?: { readonly total?: number; readonly page?: number; readonly per_page?: number; readonly last_page?: number };
}

export class ScansApiError extends Error {
  override readonly name: string = 'ScansApiError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
/** 401/403: the key is invalid or expired; retrying cannot help. */
export class ScansAuthError extends ScansApiError {
  override readonly name = 'ScansAuthError';
}
export class ScansNotFoundError extends ScansApiError {
  override readonly name = 'ScansNotFoundError';
}
export class ScansValidationError extends ScansApiError {
  override readonly name = 'ScansValidationError';
}

/** Most pages one listing reads: 100 per page, so a million scans. */
const MAX_PAGES = 10_000;
const PER_PAGE = 100;

export class ScansClient {
  readonly #o: ScansClientOptions;
  readonly #fetch: typeof fetch;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #log: Logger;

  constructor(options: ScansClientOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    if (options.fetch) {
      this.#fetch = options.fetch;
    } else {
      const dispatcher = createDispatcher({ proxy: options.proxy, tls: options.tls });
      this.#dispatcher = dispatcher;
      this.#fetch = ((input: string | URL, init: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
    }
  }

  /** Scans with `status` (e.g. completed) whose time (completion, else creation) is within [from, to], newest first; every page. */
  async *listScans(filter: { readonly status?: string; readonly from?: Date; readonly to?: Date; readonly assetId?: string } = {}): AsyncGenerator<ScanSummary> {
    const params: Record<string, string> = {};
    if (filter.status) params.status = filter.status;
    if (filter.from) params.from = filter.from.toISOString();
    if (filter.to) params.to = filter.to.toISOString();
    if (filter.assetId) params.asset_id = filter.assetId;
    yield* this.#pages<ScanSummary>('api/scans', params);
  }

  /** Every finding of a scan (partial while it runs). */
  async *results(scanId: string): AsyncGenerator<ScanFindingResult> {
    yield* this.#pages<ScanFindingResult>(`api/scan/${encodeURIComponent(scanId)}/results`, {});
  }

  async scan(scanId: string): Promise<ScanSummary> {
    return ((await this.#request(`api/scan/${encodeURIComponent(scanId)}`, {})) as { data: ScanSummary }).data;
  }

  async close(): Promise<void> {
    await this.#dispatcher?.destroy();
  }

  async *#pages<T>(path: string, params: Record<string, string>): AsyncGenerator<T> {
    for (let page = 1; page <= MAX_PAGES; page++) {
      const body = (await this.#request(path, { ...params, page: String(page), per_page: String(PER_PAGE) })) as Page<T>;
      if (!Array.isArray(body?.data)) throw new ScansApiError(`GET ${path}: the answer has no data list`);
      yield* body.data;
      const last = body.meta?.last_page ?? (body.meta?.total !== undefined ? Math.ceil(body.meta.total / PER_PAGE) : undefined);
      if (body.data.length === 0 || (last !== undefined ? page >= last : body.data.length < PER_PAGE)) return;
    }
  }

  /** One GET with the SDK's retries; resolves with the parsed JSON body. */
  async #request(path: string, params: Record<string, string>): Promise<unknown> {
    const { baseUrl, apiKey, auth } = this.#o;
    // A trailing slash keeps a path prefix in baseUrl (https://host/s4e) when resolving.
    const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    if (auth === 'query') url.searchParams.set('token', apiKey);
    const headers: Record<string, string> = { Accept: 'application/json', ...(auth === 'header' && { Authorization: `Bearer ${apiKey}` }) };
    const retries = this.#o.retries ?? 3;
    const backoff = new Backoff(this.#o.backoff ?? { initialDelayMs: 1_000, maxDelayMs: 30_000 });
    let failures = 0;
    let rateLimited = 0;
    // Bounded: at most `retries` failures and `maxRateLimitWaits` 429s end it.
    for (;;) {
      this.#o.signal?.throwIfAborted();
      let response: Response;
      let text: string;
      try {
        const signal = AbortSignal.any([AbortSignal.timeout(this.#o.timeoutMs ?? 30_000), ...(this.#o.signal ? [this.#o.signal] : [])]);
        response = await this.#fetch(url, { method: 'GET', headers, signal });
        text = await response.text();
      } catch (error) {
        this.#o.signal?.throwIfAborted();
        failures += 1;
        const reason = describe(error);
        if (failures > retries) throw new ScansApiError(`GET ${redactUrl(url)}: ${reason} (after ${retries} retries)`);
        const delayMs = backoff.next();
        this.#log.warn({ url: redactUrl(url), reason, attempt: failures, delayMs }, 'Scans API request failed: retrying');
        await sleep(delayMs, this.#o.signal);
        continue;
      }
      const { status } = response;
      if (status >= 200 && status < 300) {
        try {
          return JSON.parse(text);
        } catch {
          throw new ScansApiError(`GET ${redactUrl(url)}: the answer is not JSON`, status);
        }
      }
      const message = `GET ${redactUrl(url)}: HTTP ${status}${messageOf(text)}`;
      if (status === 401 || status === 403) throw new ScansAuthError(`${message}: check the API key`, status);
      if (status === 404) throw new ScansNotFoundError(message, status);
      if (status === 422) throw new ScansValidationError(message, status);
      if (status === 429) {
        rateLimited += 1;
        if (rateLimited > (this.#o.maxRateLimitWaits ?? 10)) throw new ScansApiError(`${message} (still rate limited after ${rateLimited - 1} waits)`, status);
        const delayMs = Math.min(parseRetryAfter(response.headers.get('retry-after')) ?? backoff.next(), this.#o.maxRetryAfterMs ?? 300_000);
        this.#log.warn({ url: redactUrl(url), delayMs }, 'Scans API rate limited (HTTP 429): waiting for its retry-after');
        await sleep(delayMs, this.#o.signal);
        continue;
      }
      if (status >= 500) {
        failures += 1;
        if (failures > retries) throw new ScansApiError(`${message} (after ${retries} retries)`, status);
        const delayMs = backoff.next();
        this.#log.warn({ url: redactUrl(url), status, attempt: failures, delayMs }, 'Scans API server error: retrying');
        await sleep(delayMs, this.#o.signal);
        continue;
      }
      throw new ScansApiError(message, status);
    }
  }
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}

/** The platform's error body `{error, message}`, shortened, for the error's message. */
function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return typeof body.message === 'string' ? `: ${body.message.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}
