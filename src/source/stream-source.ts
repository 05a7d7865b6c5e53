import { ErrorEvent, EventSource, type FetchLike } from 'eventsource';

/** What one EventSource connection produces. */
export interface StreamListener {
  message(event: MessageEvent<string>): void;
  /**
   * The connection failed. `refused`: eventsource would not read the response (it is CLOSED);
   * otherwise the stream was lost and eventsource would reconnect on its own, which we never let it.
   */
  error(message: string | undefined, refused: boolean): void;
}

/**
 * An EventSource that hands over every message whatever its `event:` type: eventsource
 * dispatches them all through dispatchEvent, whereas listeners would need the types up front
 * (and the stream may carry types newer than this code).
 */
export class StreamSource extends EventSource {
  readonly #listener: StreamListener;

  constructor(url: URL, fetch: FetchLike, listener: StreamListener) {
    // eventsource starts fetching here, but dispatches nothing before the fetch settles.
    super(url, { fetch });
    this.#listener = listener;
  }

  override dispatchEvent(event: Event): boolean {
    // Messages first: a server event named `error` is a MessageEvent, not a failure.
    if (event instanceof MessageEvent) this.#listener.message(event);
    else if (event instanceof ErrorEvent) this.#listener.error(event.message, this.readyState === this.CLOSED);
    return true;
  }
}
