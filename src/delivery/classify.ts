import type { DeliveryOutcome } from '../../connectors/types.js';

/**
 * The shared reading of an HTTP answer, for connectors that speak HTTP: 2xx delivered; 401 and
 * 403 our credentials refused; 408, 429 and 5xx worth retrying (honouring Retry-After); any
 * other status is permanent. Destination quirks (HEC codes, Slack's `ok`) stay in the
 * connector, which may override.
 */
export function classifyHttpStatus(status: number, retryAfter: string | null | undefined, response?: string): DeliveryOutcome {
  if (status >= 200 && status < 300) return { status: 'delivered' };
  const reason = `HTTP ${status}`;
  if (status === 401 || status === 403) return { status: 'unauthorized', reason, ...(response && { response }) };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return { status: 'retry', reason, ...(retryAfterMs !== undefined && { retryAfterMs }), ...(response && { response }) };
  }
  return { status: 'failed', reason, ...(response && { response }) };
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A network-level failure (refused, reset, timeout): worth retrying; a proxy refusing our credentials is `unauthorized`. */
export function networkFailure(error: unknown): DeliveryOutcome {
  const e = error as { code?: string; message?: string };
  const reason = `network: ${e.code ?? e.message ?? String(error)}`;
  return e.code === 'PROXY_407' ? { status: 'unauthorized', reason } : { status: 'retry', reason };
}
