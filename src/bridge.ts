import { readFileSync } from 'node:fs';
import type { Connector } from '../connectors/types.js';
import type { BridgeConfig, ConnectorConfig } from './config/load.js';
import type { SubscriptionConfig } from './config/schema.js';
import { Coordinator } from './coordination/coordinator.js';
import type { AuthFailure, CircuitState } from './delivery/circuit.js';
import { DeliveryWorker } from './delivery/worker.js';
import { ConnectorHealth } from './observability/connector-health.js';
import { GapLog } from './observability/gaps.js';
import { storeCheck, type HealthCheck } from './observability/health.js';
import type { Logger } from './observability/logger.js';
import { BridgeMetrics } from './observability/metrics.js';
import { readStoreSnapshot, snapshotNames } from './observability/store-snapshot.js';
import { redactUrl } from './observability/redact.js';
import { SummaryLog } from './observability/summary-log.js';
import { SubscriptionHealth } from './observability/subscription-health.js';
import { decodeEvent, type Decoded, type WireEvent } from './pipeline/decode.js';
import { DigestFlusher } from './pipeline/digest.js';
import type { Envelope } from './pipeline/envelope.js';
import { FindingMemory, findingIdOf, findingsToRead } from './pipeline/lifecycle.js';
import { deliveredBy, Pipeline, targetsOf, type RulesConfig } from './pipeline/pipeline.js';
import { UnknownSeverities } from './pipeline/severity.js';
import { Dedupe } from './pipeline/throttle.js';
import { SseSubscription } from './source/sse-client.js';
import type { SubscriptionState } from './source/types.js';
import { FencedError, type Fence } from './store/coordination.js';
import type { IngestItem, MalformedEvent, Store } from './store/types.js';

export interface BridgeOptions {
  readonly config: BridgeConfig;
  readonly store: Store;
  readonly logger: Logger;
  /** Injected for tests; the platform's stream is fetched with it. */
  readonly fetch?: typeof fetch;
}

/**
 * Wires the data flow: source (one SSE subscription each) → pipeline (decode, route) →
 * store (outboxes + checkpoint, one atomic step) → delivery (one worker per connector).
 * The stream and the sinks only meet through the store, so a slow sink never slows the
 * stream and a crash between the two loses nothing.
 */
export class Bridge {
  readonly metrics: BridgeMetrics;
  /** Leases on the subscriptions (replicas), scan progress streams, gap backfill. */
  readonly coordinator: Coordinator;
  readonly #options: BridgeOptions;
  /** The rules and routes in force; replaced whole by reload(). */
  #pipeline: Pipeline;
  readonly #dedupe: Dedupe;
  readonly #digests: DigestFlusher;
  readonly #unknownSeverities = new UnknownSeverities();
  readonly #subscriptions = new Map<string, SseSubscription>();
  readonly #subscriptionHealth: SubscriptionHealth;
  readonly #connectorHealth: ConnectorHealth;
  /** Each running connector's worker, with the config it was built from. */
  readonly #workers = new Map<string, { worker: DeliveryWorker; config: ConnectorConfig }>();
  /** Subscriptions whose checkpoint gap was already reported, so it is said once per gap. */
  readonly #gapReported = new Set<string>();
  readonly #gaps: GapLog;
  readonly #summary: SummaryLog;
  /** The connectors this process runs: the only ones a status change may follow a finding to. */
  readonly #running: ReadonlySet<string>;

  constructor(options: BridgeOptions) {
    this.#options = options;
    this.#pipeline = new Pipeline(options.config);
    this.#running = new Set(options.config.connectors.map((c) => c.name));
    this.#dedupe = new Dedupe(options.store.routeState(), options.config.source.baseUrl);
    this.#digests = new DigestFlusher({ store: options.store, logger: options.logger.child({ component: 'digest' }) });
    this.#digests.setRoutes(options.config.routes);
    this.metrics = new BridgeMetrics({ store: options.store, ...snapshotNames(options.config) });
    const { source, server } = options.config;
    // A reconnect waits at most max_delay, then connect_timeout for the answer: longer is not a blip.
    this.#subscriptionHealth = new SubscriptionHealth({ notReadyAfterMs: source.reconnect.maxDelayMs + source.connectTimeoutMs, unhealthyAfterMs: server.unhealthyAfterMs });
    this.#connectorHealth = new ConnectorHealth(options.config.connectors.map((c) => c.name));
    this.#gaps = new GapLog(options.store, options.config.subscriptions.map((s) => s.name), source.gapRetentionMs);
    this.#summary = new SummaryLog({
      intervalMs: options.config.log.summaryIntervalMs,
      logger: options.logger,
      totals: () => this.metrics.summary(),
      snapshot: () => readStoreSnapshot(options.store, snapshotNames(options.config)),
      subscriptions: () => this.subscriptionStates(),
    });
    this.coordinator = new Coordinator({
      config: options.config,
      store: options.store,
      logger: options.logger,
      registry: this.metrics.registry,
      fetch: options.fetch,
      onBackfill: (until, done) => this.#gaps.backfilled(until, done),
    });
  }

  /** The rules and routes in force. */
  get rules(): RulesConfig {
    return this.#pipeline.rules;
  }

  /**
   * Puts a new config's severity rules and routes in force. Each ingested batch is routed
   * by one config, the old or the new, whole: the swap loses or repeats nothing. A running
   * connector whose own settings changed (a secret re-read from its file, a new URL or proxy) is
   * rebuilt and swapped in under its worker, keeping its outbox, state and circuit. The rest
   * (source, store, subscriptions, the connectors' set, types, batch and delivery, log, server)
   * is fixed while running: returns the sections that changed and need a restart, and the
   * connectors rebuilt. Throws, changing nothing, when the new routes name a connector that is
   * not running or a connector cannot be built.
   */
  reload(config: BridgeConfig): { restart: string[]; rebuilt: string[] } {
    const running = this.#options.config;
    const missing = [...new Set(config.routes.flatMap((r) => r.to))].filter((c) => !running.connectors.some((r) => r.name === c));
    if (missing.length > 0) throw new Error(`routes name connectors that are not running (${missing.join(', ')}): adding a connector needs a restart`);
    const rebuilt = this.#rebuildChangedConnectors(config);
    this.#pipeline = new Pipeline(config);
    this.#digests.setRoutes(config.routes);
    for (const [name, connector] of rebuilt) {
      const entry = this.#workers.get(name)!;
      entry.worker.replaceConnector(connector);
      entry.config = config.connectors.find((c) => c.name === name)!;
    }
    return { restart: changedSections(running, config), rebuilt: [...rebuilt.keys()] };
  }

  start(): void {
    const { config, store, logger } = this.#options;
    for (const c of config.connectors) {
      const connector = this.#createConnector(c);
      const worker = new DeliveryWorker({
        connectorName: c.name,
        connector,
        outbox: store.outbox(c.name),
        batch: c.batch,
        delivery: c.delivery,
        logger,
        events: {
          onDelivered: (_, latenciesMs) => this.metrics.delivered(c.name, latenciesMs),
          onRetry: (reason) => {
            this.metrics.retried(c.name);
            this.#connectorHealth.failed(c.name, reason);
          },
          onDeadLettered: () => this.metrics.deadLettered(c.name),
          onCircuit: (state) => {
            this.#connectorHealth.circuit(c.name, state);
            this.metrics.circuit(c.name, state);
          },
          onAuthFailure: (failure) => {
            this.#connectorHealth.authFailure(c.name, failure);
            this.metrics.authFailed(c.name, failure !== undefined);
          },
        },
      });
      worker.start();
      this.#workers.set(c.name, { worker, config: c });
    }
    // Each subscription opens once this replica holds its lease (at once when alone).
    this.coordinator.start({
      open: (s, fence) => this.#subscribe(s, fence),
      close: (name) => this.#unsubscribe(name),
      ingest: (subscription, batch) => this.#ingest(subscription, batch),
    });
    this.#digests.start();
    this.#summary.start();
    logger.info(
      { subscriptions: config.subscriptions.map((s) => s.name), connectors: config.connectors.map((c) => c.name), tier: config.source.tier },
      'bridge started',
    );
    if (config.source.insecureHttp) logger.warn({ baseUrl: redactUrl(config.source.baseUrl) }, 'source.base_url is plain http: the API key crosses the network in clear text (source.allow_insecure_http)');
  }

  /** Stops reading, lets in-flight deliveries finish within `graceMs`, closes connectors. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#summary.stop();
    await this.coordinator.stop();
    await Promise.all([...this.#subscriptions.values()].map((s) => s.stop()));
    await this.#digests.stop();
    const workers = [...this.#workers.values()].map((w) => w.worker);
    await Promise.all(workers.map((w) => w.stop(graceMs)));
    await Promise.all(workers.map((w) => w.connector.close()));
    this.#options.logger.info('bridge stopped');
  }

  /**
   * Ingests events the bridge made itself (a backfill's) through the pipeline, as one batch,
   * under a pseudo-subscription (`_backfill`), unfenced. For commands that do not start().
   */
  ingest(subscription: string, batch: readonly WireEvent[]): Promise<void> {
    return this.#ingest(subscription, batch);
  }

  /** The last known state of each subscription this replica holds. */
  subscriptionStates(): ReadonlyMap<string, SubscriptionState> {
    return this.#subscriptionHealth.states();
  }

  /** The circuit-breaker state of each connector. */
  circuitStates(): ReadonlyMap<string, CircuitState> {
    return this.#connectorHealth.circuits();
  }

  /**
   * What `/healthz` (liveness: would a restart help?) and `/readyz` (readiness: does every part
   * work now?) check, one named part per line; see README, Operations.
   */
  healthChecks(): { readonly liveness: readonly HealthCheck[]; readonly readiness: readonly HealthCheck[] } {
    return {
      liveness: [this.#subscriptionHealth.liveness],
      readiness: [storeCheck(this.#options.store), this.#subscriptionHealth.readiness, this.#connectorHealth.readiness, this.#gaps.readiness],
    };
  }

  /** The connectors whose destination refuses their credentials (`auth_failed`). */
  authFailures(): ReadonlyMap<string, AuthFailure> {
    return this.#connectorHealth.authFailures();
  }

  #createConnector(c: ConnectorConfig): Connector {
    const { config, store, logger } = this.#options;
    const context = { name: c.name, logger: logger.child({ connector: c.name }), batch: c.batch, state: store.state(c.name), baseUrl: config.source.baseUrl, proxy: c.proxy, findingStatus: c.findingStatus };
    return c.plugin.create(c.options, context);
  }

  /** New connectors for those whose own settings differ in `config`; all or none (a failed build closes the others and throws). */
  #rebuildChangedConnectors(config: BridgeConfig): Map<string, Connector> {
    const rebuilt = new Map<string, Connector>();
    try {
      for (const next of config.connectors) {
        const current = this.#workers.get(next.name)?.config;
        if (!current || current.type !== next.type || sameSettings(current, next)) continue;
        // The worker keeps batching as it started (a new `batch` needs a restart).
        rebuilt.set(next.name, this.#createConnector({ ...next, batch: current.batch }));
      }
    } catch (error) {
      for (const connector of rebuilt.values()) void connector.close();
      throw error;
    }
    return rebuilt;
  }

  #subscribe(subscription: SubscriptionConfig, fence?: Fence): void {
    const { config, logger } = this.#options;
    const { source } = config;
    const log = logger.child({ subscription: subscription.name });
    const sse = new SseSubscription({
      name: subscription.name,
      baseUrl: source.baseUrl,
      apiKey: source.apiKey,
      auth: source.auth,
      events: subscription.events,
      assetId: subscription.assetId,
      notFound: 'no event stream at this URL; check source.base_url',
      heartbeatTimeoutMs: source.heartbeatTimeoutMs,
      connectTimeoutMs: source.connectTimeoutMs,
      reconnect: source.reconnect,
      tls: { ca: source.tls.caFile ? readFileSync(source.tls.caFile, 'utf8') : undefined, rejectUnauthorized: !source.tls.insecureSkipVerify },
      proxy: source.proxy,
      logger,
      fetch: this.#options.fetch,
      resumeFrom: () => this.#resumeFrom(subscription.name, log),
      onEvents: (batch) => this.#ingest(subscription.name, batch, fence),
      onState: (state) => {
        this.#subscriptionHealth.set(subscription.name, state);
        this.metrics.subscriptionState(subscription.name, state);
      },
    });
    if (source.tls.insecureSkipVerify) log.warn('TLS verification of the S4E platform is OFF (source.tls.insecure_skip_verify)');
    this.#subscriptions.set(subscription.name, sse);
    sse.start();
  }

  /** Closes a subscription this replica no longer holds (or stops holding). */
  async #unsubscribe(name: string): Promise<void> {
    const sse = this.#subscriptions.get(name);
    if (!sse) return;
    this.#subscriptions.delete(name);
    await sse.stop();
    this.#subscriptionHealth.delete(name);
  }

  /** The checkpoint to resume from; warns once when it is older than the replay buffer, and has the gap backfilled. */
  async #resumeFrom(subscription: string, log: Logger): Promise<string | undefined> {
    const checkpoint = await this.#options.store.checkpoint(subscription);
    if (!checkpoint) return undefined;
    const age = Date.now() - checkpoint.at;
    const window = this.#options.config.source.replayWindowMs;
    if (age > window && !this.#gapReported.has(subscription)) {
      this.#gapReported.add(subscription);
      const backfill = this.#options.config.backfill.enabled;
      const until = Date.now();
      // Without a backfill nothing brings those events back: an error, not a warning.
      log[backfill ? 'warn' : 'error'](
        { checkpoint: checkpoint.id, missedFrom: new Date(checkpoint.at).toISOString(), missedUntil: new Date(until).toISOString(), backfill },
        `the checkpoint is ${Math.round(age / 1000)} s old, beyond the platform's ${Math.round(window / 1000)} s replay buffer: events in the window may have been missed`,
      );
      this.metrics.gap(subscription);
      await this.#gaps
        .record({ subscription, from: checkpoint.at, until, checkpoint: checkpoint.id, backfill: backfill ? 'pending' : 'off' })
        .catch((error: Error) => log.warn({ err: error.message }, 'could not record the gap in the store (status and /readyz will not show it)'));
      this.coordinator.gap(subscription, checkpoint);
    } else if (age <= window) {
      this.#gapReported.delete(subscription);
    }
    return checkpoint.id;
  }

  /**
   * What the store remembers of the findings a batch's status changes are about, read before
   * the batch is routed; the ingest step then writes what the batch changes. A batch without
   * status changes reads nothing.
   */
  async #findingMemory(decoded: readonly Decoded[]): Promise<FindingMemory> {
    const ids = findingsToRead(decoded.flatMap((event) => (event.ok ? [event.envelope] : [])));
    // Only the findings of these status changes need remembering while the batch is routed.
    return new FindingMemory(ids.length > 0 ? await this.#options.store.findings(ids) : undefined, new Set(ids));
  }

  async #ingest(subscription: string, batch: readonly WireEvent[], fence?: Fence): Promise<void> {
    if (fence && !this.coordinator.holds(subscription)) throw new Error(`subscription ${subscription}: this replica's lease is no longer valid`);
    const items: IngestItem[] = [];
    // For the metrics and the digests once the batch is durable, counted per batch.
    const received: Envelope[] = [];
    const routed: string[] = [];
    const followed: string[] = [];
    const digested: string[] = [];
    const malformed: MalformedEvent[] = [];
    let unenriched = 0;
    const pipeline = this.#pipeline; // one config for the whole batch, even when a reload lands meanwhile
    const decoded = batch.map((raw) => decodeEvent(raw, subscription));
    const findings = await this.#findingMemory(decoded);
    for (const event of decoded) {
      if (!event.ok) {
        items.push({ kind: 'malformed', event: event.malformed });
        malformed.push(event.malformed);
        continue;
      }
      const prepared = findings.prepare(event.envelope);
      const evaluation = pipeline.evaluate(prepared, Date.now());
      const { envelope, verdicts } = evaluation;
      // Only a dedupe needs the store: without one, routing awaits nothing.
      const refused = pipeline.dedupes ? await this.#dedupe.refused(verdicts, envelope) : undefined;
      const { connectors, digests } = targetsOf(evaluation, refused);
      if (findingIdOf(envelope) === undefined) {
        // Two literals, not a conditional spread: this runs per event.
        items.push(digests.length > 0 ? { kind: 'event', envelope, connectors, digests } : { kind: 'event', envelope, connectors });
      } else {
        // A status change follows its finding to where it went, whatever the routes say now.
        for (const connector of findings.followers(envelope, pipeline.rules.routes, this.#running)) {
          if (connectors.includes(connector)) continue;
          connectors.push(connector);
          followed.push(connector);
        }
        const finding = findings.record(prepared, envelope, deliveredBy(evaluation, refused));
        // No conditional spread: a finding.new firehose runs this per event.
        items.push(finding ? { kind: 'event', envelope, connectors, digests, finding } : { kind: 'event', envelope, connectors, digests });
        if (envelope.enriched === false) unenriched += 1;
      }
      received.push(envelope);
      for (const verdict of verdicts) if (verdict.status === 'matched') routed.push(verdict.route.name);
      for (const digest of digests) digested.push(digest);
      if (this.#unknownSeverities.isNew(envelope.severity)) {
        this.#options.logger.warn({ subscription, eventId: envelope.id, type: envelope.type, severity: envelope.severity }, 'unknown severity: kept as is; it meets no severity threshold (said once per value)');
      }
    }
    await this.coordinator.beforeIngest(items);
    const result = await this.#options.store.ingest(subscription, items, fence && { fence }).catch((error: unknown) => {
      if (error instanceof FencedError) this.coordinator.fenced(subscription);
      throw error;
    });
    await this.coordinator.afterIngest(subscription, items).catch((error: Error) => this.#options.logger.warn({ subscription, err: error.message }, 'could not remember the findings delivered (a gap backfill may repeat them)'));
    this.#digests.added(digested);
    this.metrics.received(subscription, received);
    this.metrics.routed(routed);
    this.metrics.unenriched(subscription, unenriched);
    this.metrics.followed(followed);
    for (const event of malformed) {
      this.metrics.malformed(subscription);
      this.#options.logger.warn({ subscription, eventId: event.id, type: event.type, reason: event.reason }, 'malformed event set aside');
    }
    this.metrics.duplicates(subscription, result.duplicates);
  }
}

/** Whether a connector's own settings (options and proxy, secrets included) are the same in both. */
function sameSettings(a: ConnectorConfig, b: ConnectorConfig): boolean {
  return JSON.stringify([a.options, a.proxy]) === JSON.stringify([b.options, b.proxy]);
}

/** The sections a running bridge cannot change that differ between `running` and `next`. */
function changedSections(running: BridgeConfig, next: BridgeConfig): string[] {
  // Plugins hold functions and schemas: connectors compare by what the config says; their own
  // settings are rebuilt live (reload), only the set, types, batching and delivery are fixed.
  const fixed = (c: BridgeConfig) => ({
    source: c.source,
    store: c.store,
    subscriptions: c.subscriptions,
    connectors: c.connectors.map(({ plugin: _plugin, options: _options, proxy: _proxy, ...rest }) => rest),
    log: c.log,
    server: c.server,
    coordination: c.coordination,
    scan_progress: c.scanProgress,
    backfill: c.backfill,
  });
  const [a, b] = [fixed(running), fixed(next)];
  return (Object.keys(a) as (keyof typeof a)[]).filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
}
