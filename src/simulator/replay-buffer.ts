import type { BufferedEvent } from './buffered-event.js';

export interface ReplayBufferOptions {
  /** Events older than this are not replayed. */
  readonly windowMs: number;
  /** Most events kept, whatever their age. */
  readonly maxEvents: number;
}

/** Recently published events, oldest first, for `Last-Event-ID` resumption. */
export class ReplayBuffer {
  #events: BufferedEvent[] = [];
  /** Index of the oldest live event; the prefix before it is trimmed lazily, in one slice. */
  #head = 0;

  constructor(private readonly options: ReplayBufferOptions) {}

  append(events: readonly BufferedEvent[], now: number): void {
    for (const event of events) this.#events.push(event);
    this.#trim(now);
  }

  /**
   * Events published after `id`, or undefined when `id` is not in the buffer (never seen, or
   * aged out). Scans from the newest end: lookups happen once per reconnect and usually name a
   * recent id, which is cheaper than indexing every published id.
   */
  after(id: string, now: number): BufferedEvent[] | undefined {
    this.#trim(now);
    for (let i = this.#events.length - 1; i >= this.#head; i--) {
      if (this.#events[i]!.id === id) return this.#events.slice(i + 1);
    }
    return undefined;
  }

  #trim(now: number): void {
    const events = this.#events;
    const cutoff = now - this.options.windowMs;
    let head = Math.max(this.#head, events.length - this.options.maxEvents);
    while (head < events.length && events[head]!.at < cutoff) head++;
    // Compacting only once the dead prefix is the larger half keeps trimming amortized O(1).
    if (head > 1024 && head * 2 > events.length) {
      this.#events = events.slice(head);
      head = 0;
    }
    this.#head = head;
  }
}
