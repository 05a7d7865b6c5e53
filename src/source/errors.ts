import { parseRetryAfter } from '../delivery/classify.js';
import { redactUrl } from '../observability/redact.js';

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

/**
 * Reads the response head; undefined when it is an event stream to read. A 404 names the URL
 * (credentials masked) and `notFound`, what it means there, since it is a wrong address rather
 * than a passing fault.
 */
export function classifyResponse(status: number, headers: Headers, url: URL, notFound?: string, now = Date.now()): ConnectionEnd | undefined {
  if (status === 401 || status === 403) {
    return { kind: 'fatal', reason: `API key rejected (HTTP ${status}): check the subscription's API key; not retrying` };
  }
  if (status !== 200) {
    const retryAfterMs = parseRetryAfter(headers.get('retry-after'), now);
    const reason = status === 429 ? 'rate limited (HTTP 429)' : status === 404 ? `HTTP 404 from ${redactUrl(url)}${notFound ? `: ${notFound}` : ''}` : `HTTP ${status}`;
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

/**
 * A network failure as an operator reads it: the system's code and the peer
 * (`ECONNREFUSED 127.0.0.1:8080`, `ENOTFOUND api.example.com`) or the innermost message (TLS,
 * timeouts), never the wrappers fetch puts around it (`TypeError: fetch failed`).
 */
export function describeNetworkError(error: unknown): string {
  const root = innermost(error);
  if (root instanceof AggregateError && root.errors.length > 0) return [...new Set(root.errors.map(describeNetworkError))].join(', ');
  if (!(root instanceof Error)) return String(root);
  const { code, syscall, address, port, hostname } = root as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  if (code && syscall) {
    const peer = address ? (port ? `${address}:${port}` : address) : hostname;
    return peer ? `${code} ${peer}` : code;
  }
  return code && !root.message.includes(code) ? `${root.message} (${code})` : root.message;
}

/**
 * A request that got no answer, with the URL it went to (credentials masked); when nothing
 * answers at that address at all, the URL is the first suspect and the message says so.
 */
export function describeConnectFailure(error: unknown, url: string | URL): string {
  const { code } = innermost(error) as { code?: unknown };
  const unreachable = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
  return `${describeNetworkError(error)} (${redactUrl(url)})${unreachable ? ': is the platform up, and source.base_url right?' : ''}`;
}

function innermost(error: unknown): unknown {
  let e = error;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e;
}
