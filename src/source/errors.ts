import { parseRetryAfter } from '../delivery/classify.js';

/** Why one connection ended, which decides how long to wait before the next. */
export type ConnectionEnd =
  /** The platform refused the credentials: retrying cannot help. */
  | { readonly kind: 'fatal'; readonly reason: string }
  /** The platform answered, but not with a stream: backoff, or its Retry-After. */
  | { readonly kind: 'rejected'; readonly reason: string; readonly retryAfterMs?: number }
  /** The stream was lost (ended, network error, silence) or never reached: the server's `retry:` applies. */
  | { readonly kind: 'dropped'; readonly reason: string }
  /** Our side failed (resumeFrom or onEvents rejected): backoff. */
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'stopped'; readonly reason: string };

/** Reads the response head; undefined when it is an event stream to read. */
export function classifyResponse(status: number, headers: Headers, now = Date.now()): ConnectionEnd | undefined {
  if (status === 401 || status === 403) {
    return { kind: 'fatal', reason: `API key rejected (HTTP ${status}): check the subscription's API key; not retrying` };
  }
  if (status !== 200) {
    const retryAfterMs = parseRetryAfter(headers.get('retry-after'), now);
    const reason = status === 429 ? 'rate limited (HTTP 429)' : `HTTP ${status}`;
    return { kind: 'rejected', reason, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  }
  const type = headers.get('content-type') ?? '';
  // The same test eventsource applies, so what we accept it reads.
  if (!type.startsWith('text/event-stream')) return { kind: 'rejected', reason: `unexpected content type "${type}"` };
  return undefined;
}

/** A one-line description of anything thrown, following `cause` (undici hides the useful part there). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${describeError(error.cause)}` : '';
  return `${error.message}${cause}`;
}
