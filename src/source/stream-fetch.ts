import type { FetchLike } from 'eventsource';
import { describeConnectFailure, describeNetworkError } from './errors.js';

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
 * and the body read through a stream that observes every chunk and, by awaiting, stops the body
 * being read (backpressure reaches the socket, then the platform). Network failures reach
 * eventsource, which keeps only their message, already described for an operator (errors.ts).
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
    } catch (error) {
      // Closed by eventsource (we stop): it recognises its own abort and ignores it.
      if ((init.signal as AbortSignal).aborted) throw error;
      throw new Error(describeConnectFailure(error, url));
    } finally {
      clearTimeout(timer);
    }
    const { status, headers, url: responseUrl, redirected } = response;
    const readable = o.onResponse(status, headers);
    if (!readable || !response.body) {
      await response.body?.cancel();
      return { status, headers, url: responseUrl, redirected, body: null };
    }
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          controller.error((init.signal as AbortSignal).aborted ? error : new Error(describeNetworkError(error)));
          return;
        }
        if (chunk.done) return controller.close();
        await o.onChunk(chunk.value);
        controller.enqueue(chunk.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return { status, headers, url: responseUrl, redirected, body };
  };
}
