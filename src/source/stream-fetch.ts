import type { FetchLike } from 'eventsource';

export interface StreamFetchOptions {
  readonly fetch: typeof fetch;
  /** Sent as they are: ours, not eventsource's (its Last-Event-ID would not be the durable checkpoint). */
  readonly headers: Readonly<Record<string, string>>;
  readonly connectTimeoutMs: number;
  /** The response head, before eventsource sees it; false: not a stream to read, the body is discarded. */
  onResponse(status: number, headers: Headers): boolean;
  /** Each body chunk on its way to the parser; a returned promise holds the chunk back until it settles. */
  onChunk(chunk: Uint8Array): Promise<void> | undefined;
}

/**
 * The fetch one connection's EventSource uses: our headers, a deadline for the response head,
 * and the body passed through a TransformStream that observes every chunk and, by awaiting,
 * stops the body being read (backpressure reaches the socket, then the platform).
 */
export function streamFetch(o: StreamFetchOptions): FetchLike {
  return async (url, init) => {
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new Error(`no response within ${o.connectTimeoutMs} ms`)),
      o.connectTimeoutMs,
    );
    let response: Response;
    try {
      response = await o.fetch(url, {
        method: 'GET',
        headers: o.headers,
        redirect: init.redirect,
        cache: init.cache,
        signal: AbortSignal.any([init.signal as AbortSignal, deadline.signal]),
      });
    } finally {
      clearTimeout(timer);
    }
    const { status, headers, url: responseUrl, redirected } = response;
    const readable = o.onResponse(status, headers);
    if (!readable || !response.body) {
      await response.body?.cancel();
      return { status, headers, url: responseUrl, redirected, body: null };
    }
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        async transform(chunk, controller) {
          await o.onChunk(chunk);
          controller.enqueue(chunk);
        },
      }),
    );
    return { status, headers, url: responseUrl, redirected, body };
  };
}
