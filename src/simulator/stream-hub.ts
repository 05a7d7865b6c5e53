import type { ServerResponse } from 'node:http';
import type { BufferedEvent } from './buffered-event.js';
import type { StreamFilter } from './stream-filter.js';

interface Subscriber {
  readonly res: ServerResponse;
  readonly filter: StreamFilter;
}

/** Most frames joined into one write, so a large replay never builds one huge string. */
const FRAMES_PER_WRITE = 10_000;

/**
 * The open streams. Writing is the hot path: each publish costs one `res.write` per connection,
 * of frames serialized once and shared by every unfiltered connection.
 */
export class StreamHub {
  readonly #subscribers = new Set<Subscriber>();
  #sent = 0;
  readonly #sentByType = new Map<string, number>();

  /** Writes the backlog that matches, then keeps the stream live; it leaves when it closes. */
  attach(res: ServerResponse, filter: StreamFilter, backlog: readonly BufferedEvent[] = []): void {
    const subscriber: Subscriber = { res, filter };
    for (let i = 0; i < backlog.length; i += FRAMES_PER_WRITE) {
      this.#writeMatching(subscriber, backlog.slice(i, i + FRAMES_PER_WRITE));
    }
    this.#subscribers.add(subscriber);
    res.on('close', () => this.#subscribers.delete(subscriber));
  }

  broadcast(events: readonly BufferedEvent[]): void {
    if (events.length === 0) return;
    let everything: string | undefined;
    let unfiltered = 0;
    for (const subscriber of this.#subscribers) {
      if (subscriber.filter !== undefined) {
        this.#writeMatching(subscriber, events);
        continue;
      }
      everything ??= events.map((event) => event.frame).join('');
      subscriber.res.write(everything);
      unfiltered += 1;
    }
    if (unfiltered > 0) {
      this.#sent += events.length * unfiltered;
      for (const event of events) this.#countType(event.type, unfiltered);
    }
  }

  /** Cuts every stream at the socket, as a network failure would. */
  dropAll(): void {
    for (const { res } of this.#subscribers) res.destroy();
    this.#subscribers.clear();
  }

  get sent(): number {
    return this.#sent;
  }

  sentByType(): Record<string, number> {
    return Object.fromEntries(this.#sentByType);
  }

  #writeMatching({ res, filter }: Subscriber, events: readonly BufferedEvent[]): void {
    let out = '';
    for (const event of events) {
      if (filter !== undefined && !filter(event)) continue;
      out += event.frame;
      this.#sent += 1;
      this.#countType(event.type, 1);
    }
    if (out !== '') res.write(out);
  }

  #countType(type: string, count: number): void {
    this.#sentByType.set(type, (this.#sentByType.get(type) ?? 0) + count);
  }
}
