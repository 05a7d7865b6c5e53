import type { ConnectorState } from '../../connectors/types.js';
import type { Envelope } from '../pipeline/envelope.js';
import type { CoordinationStore, Fence } from './coordination.js';
import type { FindingState, FindingUpdate } from './findings.js';

/**
 * The durable heart of the bridge. An implementation must make `ingest` one atomic step:
 * after it resolves, every listed event is in the outbox of each connector named for it and
 * the subscription's checkpoint points at the last item, or nothing happened at all.
 */
export interface Store {
  /**
   * Appends each item's envelope to its connectors' outboxes, sets malformed items aside and
   * advances `subscription`'s checkpoint to the last item, atomically. Idempotent on event id:
   * an id already ingested (within `dedupe_window`) is not appended again. With `fence`, rejects
   * with FencedError, writing nothing, unless its token is still the lease's latest (checked in
   * the same atomic step).
   */
  ingest(subscription: string, items: readonly IngestItem[], options?: IngestOptions): Promise<IngestResult>;
  /**
   * The stored state of each of `ids` that is known and within `findings.retention` (see
   * findings.ts); ingest writes it, with the event that changed it. Shared by replicas.
   */
  findings(ids: readonly string[]): Promise<Map<string, FindingState>>;
  checkpoint(subscription: string): Promise<Checkpoint | undefined>;
  outbox(connector: string): Outbox;
  deadLetters(connector: string): DeadLetters;
  /** Durable key-value state for one connector (keys are namespaced by `connector`). */
  state(connector: string): ConnectorState;
  /** Durable key-value state of the routes (dedupe windows), apart from every connector's. */
  routeState(): ConnectorState;
  /** The buffer of a route's `digest`: `ingest` fills it (an item's `digests`), the digest flusher empties it. */
  digest(route: string): DigestBuffer;
  /** Events that could not be decoded, newest first. */
  malformed(limit: number): Promise<MalformedEvent[]>;
  /** Leases, fencing, presence, queues and seen-sets shared by replicas (see coordination.ts). */
  coordination(): CoordinationStore;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  /** How full the backlog is against `store.max_backlog`, for metrics; stores without a cap omit it. */
  backlogUsage?(): BacklogUsage;
  close(): Promise<void>;
}

export type IngestItem =
  /**
   * A decoded event, the connectors its routes name (may be empty: checkpoint only), the
   * digest routes whose buffers take it, and what it changes in its finding's state, written in
   * the same atomic step as the outboxes (and not at all when the event is a duplicate).
   */
  | {
      readonly kind: 'event';
      readonly envelope: Envelope;
      readonly connectors: readonly string[];
      readonly digests?: readonly string[];
      readonly finding?: FindingUpdate;
    }
  /** An event whose payload could not be decoded: kept for an operator, never delivered. */
  | { readonly kind: 'malformed'; readonly event: MalformedEvent };

export interface IngestOptions {
  /** Write only while this lease's fencing token is current (a replica holding the subscription). */
  readonly fence?: Fence;
}

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

/** `store.max_backlog`: a cap on the outbox entries waiting or in flight, as a count or in bytes. */
export interface BacklogLimit {
  readonly unit: 'events' | 'bytes';
  readonly max: number;
}

/** Outbox entries waiting or in flight across all connectors (an event routed to two counts twice). */
export interface BacklogUsage {
  readonly events: number;
  /** Their stored size (envelope JSON), before the database's own compression. */
  readonly bytes: number;
  readonly limit: BacklogLimit | undefined;
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

/** One event held in a digest buffer. */
export interface BufferedEvent {
  /** The store's own id for this entry. */
  readonly ref: string;
  readonly envelope: Envelope;
}

/** A digest route's held events, oldest first. Shared by every replica. */
export interface DigestBuffer {
  /** The oldest `max` events held. */
  peek(max: number): Promise<BufferedEvent[]>;
  /**
   * Appends `digest` to each connector's outbox and removes `refs` from the buffer, in one
   * atomic step, and only while every ref is still held (another replica may have flushed
   * them meanwhile): true when done, false when nothing changed.
   */
  flush(refs: readonly string[], digest: Envelope, connectors: readonly string[]): Promise<boolean>;
}
