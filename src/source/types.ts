import type { Logger } from '../observability/logger.js';
import type { ReadBudget } from './read-budget.js';

/** One event as it came off the stream, before decoding. */
export interface RawEvent {
  /** The event's `id:` field; absent when the event had none. */
  readonly id?: string;
  /** The `event:` field, or `message` when there was none. */
  readonly type: string;
  readonly data: string;
  /** When the bridge received it, epoch milliseconds. */
  readonly receivedAt: number;
}

export type SubscriptionState =
  /** `attempt` counts the tries since the last successful connection, from 1. */
  | { readonly state: 'connecting'; readonly attempt: number }
  /** `lastEventId` is the id this connection resumed from. */
  | { readonly state: 'connected'; readonly lastEventId?: string }
  | { readonly state: 'reconnecting'; readonly reason: string; readonly delayMs: number }
  /** `fatal`: the platform refused the subscription (401/403); retrying would not help. */
  | { readonly state: 'stopped'; readonly reason: string; readonly fatal: boolean };

export interface SseSubscriptionOptions {
  /** Names the subscription in logs. */
  readonly name: string;
  /** The platform's origin (and path prefix, if any); the stream is `{baseUrl}/api/events/stream`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** `header`: `Authorization: Bearer KEY`; `query`: `?token=KEY` (never logged either way). */
  readonly auth: 'header' | 'query';
  /** Only these event types (the `events` query parameter); all when absent. */
  readonly events?: readonly string[];
  /** Only events for this asset (the `asset_id` query parameter). */
  readonly assetId?: string;
  /** The stream's path under baseUrl. Default `api/events/stream`; a scan's progress stream is `api/scans/{id}/progress/stream`. */
  readonly path?: string;
  /**
   * Whether an event ends the stream for good (a scan's `scan_complete`): once the batch holding
   * it is taken by onEvents, the subscription stops (state `stopped`, reason `finished`) instead of
   * reconnecting.
   */
  isTerminal?(event: RawEvent): boolean;
  /** What a 404 means at this stream's URL, added to the reason (the URL is always named). */
  readonly notFound?: string;
  /** Longer than this without a byte (events, comments, heartbeats) means the connection is dead, ms. */
  readonly heartbeatTimeoutMs: number;
  /** Backoff between failed attempts (full jitter), ms. */
  readonly reconnect: { readonly initialDelayMs: number; readonly maxDelayMs: number };
  /** Longest wait for response headers (including connect, TLS and proxy), ms. Default 30 000. */
  readonly connectTimeoutMs?: number;
  /** TLS trust for the platform and proxy: `ca` PEM text trusted; `rejectUnauthorized` default true. */
  readonly tls?: { readonly ca?: string; readonly rejectUnauthorized?: boolean };
  /** HTTP(S) proxy URL; connections tunnel through it with CONNECT. Absent: HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
  readonly proxy?: string;
  /** Called before every connection attempt: the id to resume from (the durable checkpoint). */
  resumeFrom(): Promise<string | undefined>;
  /**
   * Receives events in arrival order, in micro-batches; called serially (never two at once).
   * If it rejects, the connection is closed and re-opened after backoff from resumeFrom().
   */
  onEvents(batch: RawEvent[]): Promise<void>;
  onState?(state: SubscriptionState): void;
  /**
   * Events waiting for onEvents above which the stream is no longer read (TCP backpressure
   * reaches the platform; nothing is dropped). Default 2 000: two batches (MAX_BATCH), one being
   * made durable and the next one waiting, keep the store busy; more only holds memory.
   */
  readonly maxBuffered?: number;
  /**
   * Event data (bytes, counted as string length) every subscription together may hold before
   * onEvents has taken it; when it is spent, no stream is read. SHARED_READ_BUDGET by default.
   */
  readonly readBudget?: ReadBudget;
  readonly logger?: Logger;
  /** Replaces undici's fetch (tests); it then brings its own transport, `tls` and `proxy` do not apply. */
  readonly fetch?: typeof fetch;
  /** Jitter source for the backoff, [0, 1). */
  readonly random?: () => number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BUFFERED = 2_000;
/**
 * Most events per onEvents call. The store makes a batch durable in one atomic step, which holds
 * the store for its whole length (a Redis script blocks every other client): steps of this size
 * let the delivery side's reads and acks in between, and bound the memory one step takes, while
 * still sharing one round trip (and one fsync, embedded) among many events.
 */
export const MAX_BATCH = 1_000;
