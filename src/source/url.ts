import type { SseSubscriptionOptions } from './types.js';

type UrlOptions = Pick<SseSubscriptionOptions, 'baseUrl' | 'apiKey' | 'auth' | 'events' | 'assetId' | 'path'>;

/** `{baseUrl}/api/events/stream` with the filters, and the token when auth is by query. */
export function streamUrl(o: UrlOptions): URL {
  // A trailing slash keeps a path prefix in baseUrl (https://host/s4e) when resolving.
  const url = new URL(o.path ?? 'api/events/stream', o.baseUrl.endsWith('/') ? o.baseUrl : `${o.baseUrl}/`);
  if (o.auth === 'query') url.searchParams.set('token', o.apiKey);
  if (o.events && o.events.length > 0) url.searchParams.set('events', o.events.join(','));
  if (o.assetId) url.searchParams.set('asset_id', o.assetId);
  return url;
}

/** Headers every connection sends, whatever it resumes from. */
export function streamHeaders(o: Pick<SseSubscriptionOptions, 'apiKey' | 'auth'>): Record<string, string> {
  return {
    Accept: 'text/event-stream',
    'Cache-Control': 'no-cache',
    ...(o.auth === 'header' && { Authorization: `Bearer ${o.apiKey}` }),
  };
}
