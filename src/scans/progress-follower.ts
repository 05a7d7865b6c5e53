import { createHash } from 'node:crypto';
import type { ScanProgressConfig } from '../config/budget-schema.js';
import type { SourceConfig } from '../config/schema.js';
import { HeldLease } from '../coordination/lease.js';
import type { BudgetMetrics } from '../coordination/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { WireEvent } from '../pipeline/decode.js';
import { SseSubscription } from '../source/sse-client.js';
import type { RawEvent, SubscriptionState } from '../source/types.js';
import type { CoordinationStore, DurableQueue, SeenSet } from '../store/coordination.js';

/** The pseudo-subscription progress events are ingested under (config names cannot start with "_"). */
export const PROGRESS_SUBSCRIPTION = '_progress';
/** Routed as `scan_progress.<event>`. */
export const PROGRESS_TYPE_PREFIX = 'scan_progress.';
/** The durable queue of scans waiting to be followed. */
const QUEUE = 'progress';
/** Seen-sets: content ids of progress events delivered; scans whose stream reached its end. */
const SEEN_EVENTS = 'progress-events';
const SEEN_DONE = 'progress-done';
/** The lag notification (see src/simulator/progress-events.ts for the assumed shape). */
const LAG_EVENT = 'lagged';
const TERMINAL = new Set(['scan_complete', 'error']);
/** Queue entries looked at per round. */
const PEEK = 50;

export interface ProgressFollowerOptions {
  readonly store: CoordinationStore;
  /** This replica's unique name. */
  readonly owner: string;
  readonly config: ScanProgressConfig;
  /** Progress streams allowed at once across replicas: the tier's budget minus the subscriptions (and max_streams). */
  readonly slots: number;
  readonly leaseMs: number;
  /** How long content ids and finished scans are remembered. */
  readonly retentionMs: number;
  readonly source: SourceConfig;
  readonly tlsCa?: string;
  readonly logger: Logger;
  readonly metrics?: BudgetMetrics;
  /** Injected for tests. */
  readonly fetch?: typeof fetch;
  /** How often it looks for a free slot and renews its leases, ms. Default min(1 s, lease / 3). */
  readonly intervalMs?: number;
  /** Through the normal pipeline: decode, rules, routes, store.ingest under PROGRESS_SUBSCRIPTION. */
  ingest(batch: readonly WireEvent[]): Promise<void>;
}

interface Following {
  readonly scanId: string;
  readonly sse: SseSubscription;
  readonly scanLease: HeldLease;
  readonly slotLease: HeldLease;
  done: boolean;
}

/**
 * Follows scans' progress streams (doc 003) within the tier's connection budget. A scan.created
 * puts the scan in a queue in the store (so it survives restarts, and every replica sees it);
 * each replica, every round, takes the oldest queued scans while it can lease a slot (one of
 * `slots`, shared by all replicas, so the total never exceeds the budget) and the scan itself (so
 * two replicas do not follow one scan). A stream cut before its terminal event reconnects
 * (SseSubscription); `scan_complete` and `error` end it, free its slot and drop it from the queue.
 * Events carry no `id:`: each gets one from its content, so the initial state a reconnect sends
 * again, or a stream a second replica opens after a takeover, is recognised and not delivered twice.
 */
export class ProgressFollower {
  readonly #o: ProgressFollowerOptions;
  readonly #queue: DurableQueue;
  readonly #seenEvents: SeenSet;
  readonly #done: SeenSet;
  readonly #following = new Map<string, Following>();
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;

  constructor(options: ProgressFollowerOptions) {
    this.#o = options;
    this.#queue = options.store.queue(QUEUE);
    this.#seenEvents = options.store.seen(SEEN_EVENTS);
    this.#done = options.store.seen(SEEN_DONE);
    this.#log = options.logger.child({ component: 'scan-progress' });
  }

  /** Whether scans of this type are followed. */
  follows(scanType: unknown): boolean {
    const { follow } = this.#o.config;
    return follow === 'all' || (typeof scanType === 'string' && follow.includes(scanType as never));
  }

  /**
   * Queues the scans these scan.created events announce (those of followed types, not already
   * followed to their end). Called before they are ingested: a crash in between replays them.
   */
  async offer(created: readonly { readonly scanId: string; readonly scanType: unknown; readonly assetId?: unknown }[]): Promise<void> {
    const wanted = created.filter((c) => this.follows(c.scanType));
    if (wanted.length === 0) return;
    const fresh = new Set(await this.#done.unseen(wanted.map((c) => c.scanId)));
    for (const c of wanted) {
      if (!fresh.has(c.scanId)) continue;
      if (await this.#queue.add(c.scanId, JSON.stringify({ scan_type: c.scanType, asset_id: c.assetId, queued_at: Date.now() }))) {
        this.#log.debug({ scanId: c.scanId }, 'scan queued to follow its progress');
      }
    }
    this.#kick();
  }

  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#kick();
    this.#timer = setInterval(() => this.#kick(), this.#o.intervalMs ?? Math.min(1_000, this.#o.leaseMs / 3));
  }

  /** Closes every progress stream (their scans stay queued: a replica, or this one after a restart, resumes them). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#round;
    await Promise.all([...this.#following.values()].map((f) => this.#end(f, 'stopped')));
  }

  /** Scans followed by this replica now. */
  following(): string[] {
    return [...this.#following.keys()];
  }

  #kick(): void {
    if (this.#round || this.#stopped) return;
    this.#round = this.#once()
      .catch((error: Error) => this.#log.warn({ err: error.message }, 'progress follower round failed; retrying next round'))
      .finally(() => (this.#round = undefined));
  }

  async #once(): Promise<void> {
    for (const f of [...this.#following.values()]) {
      if (f.done) continue;
      const [scan, slot] = await Promise.all([f.scanLease.renew(), f.slotLease.renew()]);
      if (!scan || !slot) {
        this.#log.warn({ scanId: f.scanId }, 'lost the lease on a followed scan or its slot: closing its progress stream here');
        await this.#end(f, 'stopped');
      }
    }
    let room = this.#o.slots - this.#following.size;
    if (room > 0) {
      for (const { item: scanId } of await this.#queue.peek(PEEK)) {
        if (room <= 0 || this.#stopped) break;
        if (this.#following.has(scanId)) continue;
        if ((await this.#done.unseen([scanId])).length === 0) {
          await this.#queue.remove(scanId);
          continue;
        }
        const scanLease = await HeldLease.acquire(this.#o.store, `scan:${scanId}`, this.#o.owner, this.#o.leaseMs).catch(() => undefined);
        if (!scanLease) continue; // another replica follows it
        const slotLease = await this.#slot();
        if (!slotLease) {
          await scanLease.release();
          break; // the budget is full, across replicas
        }
        if (this.#stopped) {
          await Promise.all([scanLease.release(), slotLease.release()]);
          break;
        }
        this.#follow(scanId, scanLease, slotLease);
        room -= 1;
      }
    }
    this.#o.metrics?.progressStreams(this.#following.size, await this.#queue.size().catch(() => undefined));
  }

  /** A free slot of the budget, or undefined when all are leased. */
  async #slot(): Promise<HeldLease | undefined> {
    const start = Math.floor(Math.random() * this.#o.slots);
    for (let i = 0; i < this.#o.slots; i++) {
      const lease = await HeldLease.acquire(this.#o.store, `slot:${(start + i) % this.#o.slots}`, this.#o.owner, this.#o.leaseMs).catch(() => undefined);
      if (lease) return lease;
    }
    return undefined;
  }

  #follow(scanId: string, scanLease: HeldLease, slotLease: HeldLease): void {
    const { source, config } = this.#o;
    const log = this.#log.child({ scanId });
    let following: Following | undefined;
    const sse = new SseSubscription({
      name: `scan ${scanId}`,
      baseUrl: source.baseUrl,
      apiKey: source.apiKey,
      auth: source.auth,
      path: `api/scans/${encodeURIComponent(scanId)}/progress/stream`,
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      connectTimeoutMs: source.connectTimeoutMs,
      reconnect: source.reconnect,
      tls: { ca: this.#o.tlsCa, rejectUnauthorized: !source.tls.insecureSkipVerify },
      proxy: source.proxy,
      logger: this.#o.logger,
      fetch: this.#o.fetch,
      // No ids on this stream: a reconnect starts from the scan's current state.
      resumeFrom: async () => undefined,
      isTerminal: (event) => TERMINAL.has(event.type),
      onEvents: (batch) => this.#ingest(scanId, batch, log),
      onState: (state) => following && this.#onState(following, state, log),
    });
    following = { scanId, sse, scanLease, slotLease, done: false };
    this.#following.set(scanId, following);
    log.info({ slot: slotLease.name, open: this.#following.size }, 'following the scan\'s progress stream');
    sse.start();
  }

  async #ingest(scanId: string, batch: readonly RawEvent[], log: Logger): Promise<void> {
    const events: WireEvent[] = [];
    for (const raw of batch) {
      if (raw.type === LAG_EVENT) {
        const skipped = skippedOf(raw.data);
        this.#o.metrics?.lagged(skipped);
        log.warn({ skipped }, 'the platform skipped progress events of this scan (its stream lagged); the scan\'s results and the event stream still carry its findings');
        continue;
      }
      events.push({ id: contentId(scanId, raw), type: `${PROGRESS_TYPE_PREFIX}${raw.type}`, data: raw.data, receivedAt: raw.receivedAt });
    }
    if (events.length === 0) return;
    // Beyond the store's dedupe window (a long scan, reconnected much later), the seen-set remembers.
    const fresh = new Set(await this.#seenEvents.unseen(events.map((e) => e.id!)));
    const batchFresh = events.filter((e) => fresh.has(e.id!));
    if (batchFresh.length > 0) {
      await this.#o.ingest(batchFresh);
      await this.#seenEvents.mark(batchFresh.map((e) => e.id!), this.#o.retentionMs);
    }
  }

  #onState(f: Following, state: SubscriptionState, log: Logger): void {
    if (state.state === 'stopped' && state.reason === 'finished') {
      void this.#finish(f, 'finished');
    } else if (state.state === 'stopped' && state.fatal) {
      void this.#finish(f, 'refused');
    } else if (state.state === 'reconnecting' && /HTTP 404/.test(state.reason)) {
      log.warn('the platform does not know this scan (HTTP 404): no longer following it');
      void this.#finish(f, 'gone');
    }
  }

  /** The scan is done with (terminal event, unknown or refused): remembered, dequeued, its slot freed. */
  async #finish(f: Following, outcome: 'finished' | 'gone' | 'refused'): Promise<void> {
    if (f.done) return;
    // Refused (401/403) too: retrying each round would only be refused again; the event stream says why.
    await this.#done.mark([f.scanId], this.#o.retentionMs);
    await this.#queue.remove(f.scanId);
    this.#o.metrics?.scanFollowed(outcome);
    this.#log.info({ scanId: f.scanId, outcome }, 'scan progress stream ended');
    await this.#end(f, outcome);
    this.#kick();
  }

  async #end(f: Following, _why: string): Promise<void> {
    if (f.done) return;
    f.done = true;
    await f.sse.stop();
    await Promise.all([f.scanLease.release(), f.slotLease.release()]);
    this.#following.delete(f.scanId);
    this.#o.metrics?.progressStreams(this.#following.size);
  }
}

/**
 * An id for an event that has none, from what makes it that event: the scan, the event, its stage,
 * status and timestamp (and the finding, for finding_added, which has no timestamp). The same
 * change sent again (a reconnect's initial state) gets the same id.
 */
export function contentId(scanId: string, raw: Pick<RawEvent, 'type' | 'data'>): string {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(raw.data);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
  } catch {
    // Undecodable: its text identifies it; decode then sets it aside as malformed.
    return `sp-${hash([scanId, raw.type, raw.data])}`;
  }
  const key = [data.scan_id ?? scanId, raw.type, data.stage ?? null, data.status ?? null, data.timestamp ?? null, data.finding_id ?? null, data.error ?? null];
  return `sp-${hash(key)}`;
}

function hash(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 24);
}

function skippedOf(data: string): number {
  try {
    const skipped = (JSON.parse(data) as { skipped?: unknown }).skipped;
    return typeof skipped === 'number' && skipped > 0 ? skipped : 1;
  } catch {
    return 1;
  }
}
