import type { IncomingMessage } from 'node:http';
import type { ReplayBuffer } from './replay-buffer.js';
import type { Handler } from './router.js';
import { encodeRetry } from './sse.js';
import { parseFilter } from './stream-filter.js';
import type { StreamGate } from './stream-gate.js';
import type { StreamHub } from './stream-hub.js';

export interface StreamEndpointOptions {
  readonly gate: StreamGate;
  /** 0 sends no `retry:`. */
  readonly retryMs: number;
  readonly buffer: ReplayBuffer;
  readonly hub: StreamHub;
  /** Receives the `Last-Event-ID` each accepted connection presents. */
  readonly lastEventIds: string[];
}

/** `GET /api/events/stream`: authenticate, enforce the tier limit, replay, then stream live. */
export function createStreamEndpoint(options: StreamEndpointOptions): Handler {
  return (req, res, url) => {
    if (!options.gate.authorize(req, res, url) || !options.gate.open(res, 'events')) return;
    const lastEventId = headerValue(req, 'last-event-id') ?? url.searchParams.get('last_event_id') ?? undefined;
    if (lastEventId !== undefined) options.lastEventIds.push(lastEventId);

    if (options.retryMs > 0) res.write(encodeRetry(options.retryMs));
    else res.flushHeaders();
    // The doc is silent on an id it no longer (or never) buffered. Assumed: the platform streams
    // live from now on, without an error, so the client cannot tell it missed events.
    const backlog = lastEventId === undefined ? undefined : options.buffer.after(lastEventId, Date.now());
    options.hub.attach(res, parseFilter(url.searchParams), backlog);
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) || undefined;
}
