import type { BufferedEvent } from './buffered-event.js';
import { HEARTBEAT_TYPE } from './event-types.js';
import type { ReplayBuffer } from './replay-buffer.js';
import { encodeEvent, hasLineBreak } from './sse.js';
import { assetIdOf } from './stream-filter.js';
import type { StreamHub } from './stream-hub.js';
import type { InjectedEvent } from './types.js';

/** Turns events into frames once, then hands them to the replay buffer and the live streams. */
export class Publisher {
  readonly #published: string[] = [];

  constructor(
    private readonly nextId: (heartbeat: boolean) => string,
    private readonly buffer: ReplayBuffer,
    private readonly hub: StreamHub,
  ) {}

  /** @throws TypeError for an event that cannot be framed (nothing is published then). */
  publish(events: readonly InjectedEvent[]): string[] {
    events.forEach(checkFramable);
    const now = Date.now();
    const batch = events.map((event): BufferedEvent => {
      const id = event.id ?? this.nextId(event.type === HEARTBEAT_TYPE);
      const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
      return { id, type: event.type, assetId: event.assetId ?? assetIdOf(event.data), frame: encodeEvent(event.type, id, data), at: now };
    });
    this.buffer.append(batch, now);
    for (const event of batch) if (event.type !== HEARTBEAT_TYPE) this.#published.push(event.id);
    this.hub.broadcast(batch);
    return batch.map((event) => event.id);
  }

  /** Ids of every non-heartbeat event published, in order; a copy. */
  published(): string[] {
    return this.#published.slice();
  }
}

function checkFramable(event: InjectedEvent): void {
  if (typeof event !== 'object' || event === null) throw new TypeError('an event must be an object');
  if (typeof event.type !== 'string' || event.type === '' || hasLineBreak(event.type)) {
    throw new TypeError('event type must be a non-empty single-line string');
  }
  if (event.id !== undefined && (typeof event.id !== 'string' || event.id === '' || hasLineBreak(event.id))) {
    throw new TypeError('event id must be a non-empty single-line string');
  }
  if (event.data === undefined) throw new TypeError('event data is required');
  if (event.assetId !== undefined && typeof event.assetId !== 'string') throw new TypeError('assetId must be a string');
}
