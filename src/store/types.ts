import type { ConnectorState } from '../../connectors/types.js';
import type { Envelope } from '../pipeline/envelope.js';

/**
 * The durable heart of the bridge. An implementation must make `ingest` one atomic step:
 * after it resolves, every listed event is in the outbox of each connector named for it and
 * the subscription's checkpoint points at the last item, or nothing happened at all.
 */
export interface Store {
  /**
   * Appends each item's envelope to its connectors' outboxes, sets malformed items aside and
   * advances `subscription`'s checkpoint to the last item, atomically. Idempotent on event id:
   * an id already ingested (within `dedupe_window`) is not appended again.
   */
  ingest(subscription: string, items: readonly IngestItem[]): Promise<IngestResult>;
  checkpoint(subscription: string): Promise<Checkpoint | undefined>;
  outbox(connector: string): Outbox;
  deadLetters(connector: string): DeadLetters;
  /** Durable key-value state for one connector (keys are namespaced by `connector`). */
  state(connector: string): ConnectorState;
  /** Events that could not be decoded, newest first. */
  malformed(limit: number): Promise<MalformedEvent[]>;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type IngestItem =
  /** A decoded event and the connectors its routes name (may be empty: checkpoint only). */
  | { readonly kind: 'event'; readonly envelope: Envelope; readonly connectors: readonly string[] }
  /** An event whose payload could not be decoded: kept for an operator, never delivered. */
  | { readonly kind: 'malformed'; readonly event: MalformedEvent };

export interface IngestResult {
  /** Items appended to at least one outbox. */
  readonly appended: number;
  /** Items skipped because their id was already ingested. */
  readonly duplicates: number;
}

export interface Checkpoint {
  /** The last event id made durable for this subscription. */
  readonly id: string;
  /** When that event was received, epoch milliseconds. */
  readonly at: number;
}

export interface MalformedEvent {
  readonly id: string;
  readonly type: string;
  readonly subscription: string;
  readonly reason: string;
  /** The raw `data:` text, truncated to a bounded size. */
  readonly raw: string;
  readonly receivedAt: number;
}

/** One event taken from an outbox, to be acknowledged or dead-lettered. */
export interface OutboxEntry {
  /** The store's own id for this entry (not the event id). */
  readonly ref: string;
  readonly envelope: Envelope;
  /** How many times the store handed this entry out (1 on first delivery). */
  readonly deliveries: number;
}

/** A connector's queue of events not yet delivered. Entries stay until acked or dead-lettered. */
export interface Outbox {
  /**
   * Takes up to `max` entries: first those this consumer took before and never acknowledged
   * (a crash), then those abandoned by other consumers for `claimIdleMs`, then new ones,
   * waiting up to `blockMs` for new ones when there are none.
   */
  take(max: number, blockMs: number): Promise<OutboxEntry[]>;
  /** Delivered: removes the entries for good. */
  ack(refs: readonly string[]): Promise<void>;
  /** Moves an entry to the connector's dead letters with why, in one atomic step. */
  deadLetter(entry: OutboxEntry, failure: DeliveryFailure): Promise<void>;
  backlog(): Promise<Backlog>;
}

export interface Backlog {
  /** Entries waiting or in flight. */
  readonly count: number;
  /** Age in ms of the oldest entry, 0 when empty. */
  readonly oldestAgeMs: number;
}

export interface DeliveryFailure {
  readonly reason: string;
  readonly attempts: number;
  /** The destination's last answer, secrets removed, truncated. */
  readonly response?: string;
}

export interface DeadLetter extends DeliveryFailure {
  /** Store id of the dead letter (for replay/drop by id). */
  readonly ref: string;
  readonly connector: string;
  readonly envelope: Envelope;
  readonly deadAt: number;
}

export interface DeadLetters {
  list(limit: number): Promise<DeadLetter[]>;
  count(): Promise<number>;
  /** Moves dead letters back into the outbox (all when `refs` is absent); returns how many. */
  replay(refs?: readonly string[]): Promise<number>;
  /** Removes dead letters (all when `refs` is absent); returns how many. */
  drop(refs?: readonly string[]): Promise<number>;
}
