import { readFileSync } from 'node:fs';
import type { Connector } from '../connectors/types.js';
import type { BridgeConfig } from './config/load.js';
import type { SubscriptionConfig } from './config/schema.js';
import { Coordinator } from './coordination/coordinator.js';
import type { CircuitState } from './delivery/circuit.js';
import { DeliveryWorker } from './delivery/worker.js';
import type { Logger } from './observability/logger.js';
import { BridgeMetrics } from './observability/metrics.js';
import { snapshotNames } from './observability/store-snapshot.js';
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
  readonly #states = new Map<string, SubscriptionState>();
  readonly #circuits = new Map<string, CircuitState>();
  readonly #workers: DeliveryWorker[] = [];
  readonly #connectors: Connector[] = [];
  /** Subscriptions whose checkpoint gap was already reported, so it is said once per gap. */
  readonly #gapReported = new Set<string>();
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
    this.coordinator = new Coordinator({ config: options.config, store: options.store, logger: options.logger, registry: this.metrics.registry, fetch: options.fetch });
  }

  /** The rules and routes in force. */
  get rules(): RulesConfig {
    return this.#pipeline.rules;
  }

  /**
   * Puts a new config's severity rules and routes in force. Each ingested batch is routed
   * by one config, the old or the new, whole: the swap loses or repeats nothing. The rest
   * (source, store, subscriptions, connectors, log, server) is fixed while running: returns the
   * sections that changed and need a restart. Throws, changing nothing, when the new routes
   * name a connector that is not running.
   */
  reload(config: BridgeConfig): string[] {
    const running = this.#options.config;
    const missing = [...new Set(config.routes.flatMap((r) => r.to))].filter((c) => !running.connectors.some((r) => r.name === c));
    if (missing.length > 0) throw new Error(`routes name connectors that are not running (${missing.join(', ')}): adding a connector needs a restart`);
    this.#pipeline = new Pipeline(config);
    this.#digests.setRoutes(config.routes);
    return changedSections(running, config);
  }

  start(): void {
    const { config, store, logger } = this.#options;
    for (const c of config.connectors) {
      const log = logger.child({ connector: c.name });
      const connector = c.plugin.create(c.options, { name: c.name, logger: log, batch: c.batch, state: store.state(c.name), baseUrl: config.source.baseUrl, findingStatus: c.findingStatus });
      this.#connectors.push(connector);
      this.#circuits.set(c.name, 'closed');
      const worker = new DeliveryWorker({
        connectorName: c.name,
        connector,
        outbox: store.outbox(c.name),
        batch: c.batch,
        delivery: c.delivery,
        logger,
        events: {
          onDelivered: (_, latenciesMs) => this.metrics.delivered(c.name, latenciesMs),
          onRetry: () => this.metrics.retried(c.name),
          onDeadLettered: () => this.metrics.deadLettered(c.name),
          onCircuit: (state) => {
            this.#circuits.set(c.name, state);
            this.metrics.circuit(c.name, state);
          },
        },
      });
      worker.start();
      this.#workers.push(worker);
    }
    // Each subscription opens once this replica holds its lease (at once when alone).
    this.coordinator.start({
      open: (s, fence) => this.#subscribe(s, fence),
      close: (name) => this.#unsubscribe(name),
      ingest: (subscription, batch) => this.#ingest(subscription, batch),
    });
    this.#digests.start();
    logger.info(
      { subscriptions: config.subscriptions.map((s) => s.name), connectors: config.connectors.map((c) => c.name), tier: config.source.tier },
      'bridge started',
    );
  }

  /** Stops reading, lets in-flight deliveries finish within `graceMs`, closes connectors. */
  async stop(graceMs = 10_000): Promise<void> {
    await this.coordinator.stop();
    await Promise.all([...this.#subscriptions.values()].map((s) => s.stop()));
    await this.#digests.stop();
    await Promise.all(this.#workers.map((w) => w.stop(graceMs)));
    await Promise.all(this.#connectors.map((c) => c.close()));
    this.#options.logger.info('bridge stopped');
  }

  /**
   * Ingests events the bridge made itself (a backfill's) through the pipeline, as one batch,
   * under a pseudo-subscription (`_backfill`), unfenced. For commands that do not start().
   */
  ingest(subscription: string, batch: readonly WireEvent[]): Promise<void> {
    return this.#ingest(subscription, batch);
  }

  /** The last known state of each subscription. */
  subscriptionStates(): ReadonlyMap<string, SubscriptionState> {
    return this.#states;
  }

  /** The circuit-breaker state of each connector. */
  circuitStates(): ReadonlyMap<string, CircuitState> {
    return this.#circuits;
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
        this.#states.set(subscription.name, state);
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
    this.#states.delete(name);
  }

  /** The checkpoint to resume from; warns once when it is older than the replay buffer, and has the gap backfilled. */
  async #resumeFrom(subscription: string, log: Logger): Promise<string | undefined> {
    const checkpoint = await this.#options.store.checkpoint(subscription);
    if (!checkpoint) return undefined;
    const age = Date.now() - checkpoint.at;
    const window = this.#options.config.source.replayWindowMs;
    if (age > window && !this.#gapReported.has(subscription)) {
      this.#gapReported.add(subscription);
      log.warn(
        { checkpoint: checkpoint.id, missedFrom: new Date(checkpoint.at).toISOString(), missedUntil: new Date().toISOString() },
        `the checkpoint is ${Math.round(age / 1000)} s old, beyond the platform's ${Math.round(window / 1000)} s replay buffer: events in the window may have been missed`,
      );
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
        for (const connector of findings.followers(envelope, pipeline.rules.routes, this.#running)) if (!connectors.includes(connector)) connectors.push(connector);
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
    for (const event of malformed) {
      this.metrics.malformed(subscription);
      this.#options.logger.warn({ subscription, eventId: event.id, type: event.type, reason: event.reason }, 'malformed event set aside');
    }
    this.metrics.duplicates(subscription, result.duplicates);
  }
}

/** The sections a running bridge cannot change that differ between `running` and `next`. */
function changedSections(running: BridgeConfig, next: BridgeConfig): string[] {
  // Plugins hold functions and schemas: connectors compare by what the config says.
  const fixed = (c: BridgeConfig) => ({
    source: c.source,
    store: c.store,
    subscriptions: c.subscriptions,
    connectors: c.connectors.map(({ plugin: _plugin, ...rest }) => rest),
    log: c.log,
    server: c.server,
    coordination: c.coordination,
    scan_progress: c.scanProgress,
    backfill: c.backfill,
  });
  const [a, b] = [fixed(running), fixed(next)];
  return (Object.keys(a) as (keyof typeof a)[]).filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
}
