import type { Envelope } from '../../src/pipeline/envelope.js';
import type { Backlog, DeliveryFailure, Outbox, OutboxEntry } from '../../src/store/types.js';

/** `count` envelopes with ids e<from>, e<from+1>…; each payload carries a marker tests can look for in logs. */
export function envelopes(count: number, from = 1): Envelope[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `e${from + i}`,
    type: 'finding.new',
    data: { secret: 'PAYLOAD-MARKER' },
    subscription: 'test',
    receivedAt: Date.now(),
  }));
}

/**
 * An in-memory Outbox that keeps the contract honestly: `take` hands each entry out once and
 * blocks up to `blockMs` for new ones; entries stay (in flight) until acked or dead-lettered;
 * acking or dead-lettering an entry that is not in flight throws.
 */
export class MemoryOutbox implements Outbox {
  /** Event ids of each `ack` call, in order. */
  readonly acks: string[][] = [];
  readonly deadLetters: { id: string; failure: DeliveryFailure }[] = [];
  readonly #waiting: OutboxEntry[] = [];
  readonly #inFlight = new Map<string, OutboxEntry>();
  readonly #wakers = new Set<() => void>();
  #nextRef = 1;

  constructor(initial: readonly Envelope[] = []) {
    this.append(...initial);
  }

  append(...list: readonly Envelope[]): void {
    for (const envelope of list) this.#waiting.push({ ref: `r${this.#nextRef++}`, envelope, deliveries: 1 });
    for (const wake of this.#wakers) wake();
  }

  /** Event ids acked so far. */
  get acked(): string[] {
    return this.acks.flat();
  }

  /** Entries never taken. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Entries taken and neither acked nor dead-lettered. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  async take(max: number, blockMs: number): Promise<OutboxEntry[]> {
    if (this.#waiting.length === 0) await this.#arrival(blockMs);
    const taken = this.#waiting.splice(0, max);
    for (const entry of taken) this.#inFlight.set(entry.ref, entry);
    return taken;
  }

  async ack(refs: readonly string[]): Promise<void> {
    this.acks.push(refs.map((ref) => this.#settle(ref).envelope.id));
  }

  async deadLetter(entry: OutboxEntry, failure: DeliveryFailure): Promise<void> {
    this.#settle(entry.ref);
    this.deadLetters.push({ id: entry.envelope.id, failure });
  }

  async backlog(): Promise<Backlog> {
    const entries = [...this.#inFlight.values(), ...this.#waiting];
    const oldest = Math.min(...entries.map((e) => e.envelope.receivedAt));
    return { count: entries.length, oldestAgeMs: entries.length > 0 ? Date.now() - oldest : 0 };
  }

  #settle(ref: string): OutboxEntry {
    const entry = this.#inFlight.get(ref);
    if (!entry) throw new Error(`entry ${ref} is not in flight`);
    this.#inFlight.delete(ref);
    return entry;
  }

  #arrival(blockMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, blockMs);
      this.#wakers.add(wake);
    });
  }
}
