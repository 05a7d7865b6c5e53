import { Agent, ProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import type { SseSubscriptionOptions } from './types.js';

/** The HTTP client one subscription's connections share. */
export interface Transport {
  readonly fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * undici's fetch over an Agent carrying the subscription's TLS trust, or a ProxyAgent tunnelling
 * through `proxy` (the same trust applies to both hops). Timeouts are off: the connect timeout
 * and heartbeat watchdog own them, and undici's body timeout would also fire while
 * backpressure holds the body unread.
 */
export function createTransport(o: Pick<SseSubscriptionOptions, 'tls' | 'proxy' | 'fetch'>): Transport {
  if (o.fetch) return { fetch: o.fetch, close: async () => undefined };
  const tls = { ca: o.tls?.ca, rejectUnauthorized: o.tls?.rejectUnauthorized ?? true };
  const timeouts = { headersTimeout: 0, bodyTimeout: 0 };
  const dispatcher: Dispatcher = o.proxy
    ? new ProxyAgent({ uri: o.proxy, requestTls: tls, proxyTls: tls, ...timeouts })
    : new Agent({ connect: tls, ...timeouts });
  const fetchWith = ((input: string | URL, init: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
  return { fetch: fetchWith, close: () => dispatcher.destroy() };
}
