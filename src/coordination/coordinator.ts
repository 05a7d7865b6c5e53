import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { BridgeConfig } from '../config/load.js';
import type { SubscriptionConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { WireEvent } from '../pipeline/decode.js';
import { BACKFILL_SUBSCRIPTION, runBackfill, SEEN_FINDINGS, SEEN_SCANS } from '../scans/backfill.js';
import { PROGRESS_SUBSCRIPTION, ProgressFollower } from '../scans/progress-follower.js';
import { ScansAuthError, ScansClient } from '../scans/scans-client.js';
import type { Checkpoint, IngestItem, Store } from '../store/types.js';
import type { Fence } from '../store/coordination.js';
import { connectionBudget, describeBudget } from './connection-budget.js';
import { replicaName } from './lease.js';
import { BudgetMetrics } from './metrics.js';
import { SubscriptionAssignment } from './subscription-assignment.js';

export interface CoordinatorOptions {
  readonly config: BridgeConfig;
  readonly store: Store;
  readonly logger: Logger;
  /** The bridge's metrics registry, where the budget's metrics join its own. */
  readonly registry?: Registry;
  /** Injected for tests: the platform's streams and Scans API are fetched with it. */
  readonly fetch?: typeof fetch;
  /** A gap backfill covering the window up to `until` ended, `done` or failed. */
  onBackfill?(until: number, done: boolean): Promise<void>;
}

/** What the coordinator asks of the bridge. */
export interface CoordinatorHooks {
  /** Open this subscription's stream, writing under `fence` (this replica holds its lease). */
  open(subscription: SubscriptionConfig, fence: Fence): void;
  /** Close it; resolves once no write of it is in flight. */
  close(subscription: string): Promise<void>;
  /** The normal pipeline for events the bridge makes itself (progress streams, backfill), unfenced. */
  ingest(subscription: string, batch: readonly WireEvent[]): Promise<void>;
}

/**
 * Everything about the tier's connection budget the bridge does besides reading a stream:
 * which subscriptions this replica holds (leases), following scans' progress streams in the
 * connections left, and gap backfill through the Scans API. The bridge calls it around each ingest.
 */
export class Coordinator {
  readonly metrics: BudgetMetrics;
  readonly owner: string;
  readonly #o: CoordinatorOptions;
  readonly #log: Logger;
  #assignment: SubscriptionAssignment | undefined;
  #progress: ProgressFollower | undefined;
  #hooks: CoordinatorHooks | undefined;
  /** The earliest gap start waiting to be backfilled, and the backfill under way. */
  #pendingSince: number | undefined;
  #backfillTimer: NodeJS.Timeout | undefined;
  #backfilling: Promise<void> | undefined;
  readonly #stopping = new AbortController();

  constructor(options: CoordinatorOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'coordination' });
    this.metrics = new BudgetMetrics(options.registry);
    this.owner = replicaName(options.config.store.consumer);
  }

  /** Starts taking subscriptions (and following scans): the bridge's streams open through `hooks`. */
  start(hooks: CoordinatorHooks): void {
    const { config, store } = this.#o;
    this.#hooks = hooks;
    const budget = connectionBudget(config);
    this.#log.info({ replica: this.owner, plan: describeBudget(config).map((l) => l.trim()) }, 'connection plan');
    const byName = new Map(config.subscriptions.map((s) => [s.name, s]));
    this.#assignment = new SubscriptionAssignment({
      store: store.coordination(),
      owner: this.owner,
      subscriptions: config.subscriptions.map((s) => s.name),
      leaseMs: config.coordination.leaseMs,
      logger: this.#log,
      open: (name, fence) => hooks.open(byName.get(name)!, fence),
      close: (name) => hooks.close(name),
      canHandOver: async (name) => (await store.checkpoint(name)) !== undefined,
      onChange: (held, replicas) => this.metrics.assignment(held.length, replicas),
    });
    this.#assignment.start();
    if (config.scanProgress && budget.progressSlots > 0) {
      this.#progress = new ProgressFollower({
        store: store.coordination(),
        owner: this.owner,
        config: config.scanProgress,
        slots: budget.progressSlots,
        leaseMs: config.coordination.leaseMs,
        retentionMs: config.backfill.seenRetentionMs,
        source: config.source,
        tlsCa: config.source.tls.caFile ? readFileSync(config.source.tls.caFile, 'utf8') : undefined,
        logger: this.#o.logger,
        metrics: this.metrics,
        fetch: this.#o.fetch,
        ingest: (batch) => hooks.ingest(PROGRESS_SUBSCRIPTION, batch),
      });
      this.#progress.start();
    }
  }

  /** Closes progress streams and held subscriptions, then gives their leases to other replicas. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    clearTimeout(this.#backfillTimer);
    await this.#progress?.stop();
    await this.#assignment?.stop();
    await this.#backfilling;
  }

  /** Subscriptions this replica holds now. */
  held(): string[] {
    return this.#assignment?.held() ?? [];
  }

  /** Scans whose progress this replica follows now. */
  following(): string[] {
    return this.#progress?.following() ?? [];
  }

  /** Whether `subscription` may still be written by this replica (its lease is valid). */
  holds(subscription: string): boolean {
    return this.#assignment?.fence(subscription) !== undefined;
  }

  /** The store refused a write of `subscription` with our fencing token. */
  fenced(subscription: string): void {
    this.#assignment?.fenced(subscription);
  }

  /** Before a batch is ingested: queue the scans it announces, to follow their progress. */
  async beforeIngest(items: readonly IngestItem[]): Promise<void> {
    if (!this.#progress) return;
    const created = items.flatMap((item) =>
      item.kind === 'event' && item.envelope.type === 'scan.created' && typeof item.envelope.data.scan_id === 'string'
        ? [{ scanId: item.envelope.data.scan_id, scanType: item.envelope.data.scan_type, assetId: item.envelope.data.asset_id }]
        : [],
    );
    if (created.length > 0) await this.#progress.offer(created);
  }

  /** After a batch is durable: remember the findings and finished scans delivered, so a backfill skips them. */
  async afterIngest(subscription: string, items: readonly IngestItem[]): Promise<void> {
    const { config, store } = this.#o;
    if (!config.backfill.enabled || subscription === BACKFILL_SUBSCRIPTION) return;
    const findings: string[] = [];
    const scans: string[] = [];
    for (const item of items) {
      if (item.kind !== 'event') continue;
      const { type, data } = item.envelope;
      if (type === 'finding.new' && typeof data.finding_id === 'string') findings.push(data.finding_id);
      else if ((type === 'scan.completed' || type === 'scan.failed') && typeof data.scan_id === 'string') scans.push(data.scan_id);
    }
    const retention = config.backfill.seenRetentionMs;
    if (findings.length > 0) await store.coordination().seen(SEEN_FINDINGS).mark(findings, retention);
    if (scans.length > 0) await store.coordination().seen(SEEN_SCANS).mark(scans, retention);
  }

  /**
   * `subscription` resumes from a checkpoint older than the replay buffer: after `backfill.delay`
   * (the platform's replay lands first), backfill from the checkpoint's time. Gaps reported while
   * one waits join it; one backfill runs at a time.
   */
  gap(subscription: string, checkpoint: Checkpoint): void {
    const { config } = this.#o;
    if (!config.backfill.enabled || !this.#hooks || this.#stopping.signal.aborted) return;
    this.#pendingSince = Math.min(this.#pendingSince ?? Infinity, checkpoint.at);
    this.#log.info({ subscription, since: new Date(checkpoint.at).toISOString(), delayMs: config.backfill.delayMs }, 'gap backfill scheduled: findings of scans finished meanwhile will be fetched from the Scans API');
    if (this.#backfillTimer || this.#backfilling) return;
    this.#backfillTimer = setTimeout(() => {
      this.#backfillTimer = undefined;
      this.#backfilling = this.#backfill().finally(() => {
        this.#backfilling = undefined;
        if (this.#pendingSince !== undefined) this.gap(subscription, { id: '', at: this.#pendingSince });
      });
    }, config.backfill.delayMs);
  }

  async #backfill(): Promise<void> {
    const since = this.#pendingSince;
    this.#pendingSince = undefined;
    if (since === undefined) return;
    const { config, store } = this.#o;
    const client = scansClient(config, this.#log, this.#o.fetch, this.#stopping.signal);
    const until = new Date();
    let done = false;
    try {
      const result = await runBackfill(new Date(since), until, {
        client,
        findings: store.coordination().seen(SEEN_FINDINGS),
        scans: store.coordination().seen(SEEN_SCANS),
        known: (ids) => store.findings(ids),
        retentionMs: config.backfill.seenRetentionMs,
        statusLookbackMs: config.backfill.statusLookbackMs,
        ingest: (batch) => this.#hooks!.ingest(BACKFILL_SUBSCRIPTION, batch),
        logger: this.#log,
      });
      this.metrics.backfill('done');
      if (result.emitted > 0) this.metrics.backfilled(result.emitted);
      done = true;
    } catch (error) {
      if (this.#stopping.signal.aborted) return;
      this.metrics.backfill('failed');
      const fatal = error instanceof ScansAuthError;
      this.#log.error(
        { err: (error as Error).message, since: new Date(since).toISOString() },
        `gap backfill failed${fatal ? ' (the Scans API refused the API key)' : ''}: run \`s4e-bridge backfill --since <duration>\` once the cause is fixed`,
      );
    } finally {
      await client.close();
      if (!this.#stopping.signal.aborted) await this.#o.onBackfill?.(until.getTime(), done).catch((error: Error) => this.#log.warn({ err: error.message }, 'could not record the backfill in the gap log'));
    }
  }
}

/** A Scans API client on the source's base URL, key, proxy and TLS, with the backfill's timeout and retries. */
export function scansClient(config: BridgeConfig, logger: Logger, fetchWith?: typeof fetch, signal?: AbortSignal): ScansClient {
  const { source, backfill } = config;
  return new ScansClient({
    baseUrl: source.baseUrl,
    apiKey: source.apiKey,
    auth: source.auth,
    timeoutMs: backfill.timeoutMs,
    retries: backfill.retries,
    proxy: source.proxy,
    tls: { ca: source.tls.caFile ? readFileSync(source.tls.caFile, 'utf8') : undefined, rejectUnauthorized: !source.tls.insecureSkipVerify },
    logger,
    fetch: fetchWith,
    signal,
  });
}
