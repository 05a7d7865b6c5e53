import type { IncomingMessage } from 'node:http';
import { type RouteHandler, sendJson } from './http-util.js';
import type { ReplayBuffer } from './replay-buffer.js';
import { encodeRetry } from './sse.js';
import { parseFilter } from './stream-filter.js';
import type { StreamHub } from './stream-hub.js';

export interface StreamEndpointOptions {
  readonly apiKeys: ReadonlySet<string>;
  readonly maxConnections: number;
  /** 0 sends no `retry:`. */
  readonly retryMs: number;
  readonly buffer: ReplayBuffer;
  readonly hub: StreamHub;
}

export interface StreamEndpointCounters {
  readonly rejected: { unauthorized: number; tooMany: number };
  readonly lastEventIds: string[];
}

/** Seconds a client over the connection limit is told to wait. */
const RETRY_AFTER_SECONDS = '5';

/** `GET /api/events/stream`: authenticate, enforce the tier limit, replay, then stream live. */
export function createStreamEndpoint(options: StreamEndpointOptions, counters: StreamEndpointCounters): RouteHandler {
  return (req, res, url) => {
    const key = bearerToken(req) ?? url.searchParams.get('token');
    if (key === null || !options.apiKeys.has(key)) {
      counters.rejected.unauthorized += 1;
      sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
      return;
    }
    if (options.hub.connections >= options.maxConnections) {
      counters.rejected.tooMany += 1;
      sendJson(res, 429, { error: 'too_many_connections' }, { 'retry-after': RETRY_AFTER_SECONDS });
      return;
    }
    const lastEventId = headerValue(req, 'last-event-id') ?? url.searchParams.get('last_event_id') ?? undefined;
    if (lastEventId !== undefined) counters.lastEventIds.push(lastEventId);

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    if (options.retryMs > 0) res.write(encodeRetry(options.retryMs));
    else res.flushHeaders();
    // The doc is silent on an id it no longer (or never) buffered. Assumed: the platform streams
    // live from now on, without an error, so the client cannot tell it missed events.
    const backlog = lastEventId === undefined ? undefined : options.buffer.after(lastEventId, Date.now());
    options.hub.attach(res, parseFilter(url.searchParams), backlog);
  };
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) || undefined;
}
