import { fetch as undiciFetch } from 'undici';
import { createDispatcher } from '../delivery/dispatcher.js';
import type { SseSubscriptionOptions } from './types.js';

/** The HTTP client one subscription's connections share. */
export interface Transport {
  readonly fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * undici's fetch over the subscription's TLS trust and proxy (src/delivery/dispatcher.ts: the
 * configured one, else the environment's). Timeouts are off: the connect timeout and heartbeat
 * watchdog own them, and undici's body timeout would also fire while backpressure holds the
 * body unread.
 */
export function createTransport(o: Pick<SseSubscriptionOptions, 'tls' | 'proxy' | 'fetch'>): Transport {
  if (o.fetch) return { fetch: o.fetch, close: async () => undefined };
  const dispatcher = createDispatcher({ proxy: o.proxy, tls: o.tls, headersTimeout: 0, bodyTimeout: 0 });
  const fetchWith = ((input: string | URL, init: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
  return { fetch: fetchWith, close: () => dispatcher.destroy() };
}
