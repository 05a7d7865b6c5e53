import { readFileSync } from 'node:fs';
import type { Connector } from '../connectors/types.js';
import type { BridgeConfig } from './config/load.js';
import type { SubscriptionConfig } from './config/schema.js';
import { DeliveryWorker } from './delivery/worker.js';
import type { Logger } from './observability/logger.js';
import { BridgeStats } from './observability/stats.js';
import { decodeEvent, type WireEvent } from './pipeline/decode.js';
import { Router } from './pipeline/router.js';
import { SseSubscription } from './source/sse-client.js';
import type { SubscriptionState } from './source/types.js';
import type { IngestItem, Store } from './store/types.js';

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
  readonly stats = new BridgeStats();
  readonly #options: BridgeOptions;
  readonly #router: Router;
  readonly #subscriptions = new Map<string, SseSubscription>();
  readonly #states = new Map<string, SubscriptionState>();
  readonly #workers: DeliveryWorker[] = [];
  readonly #connectors: Connector[] = [];
  /** Subscriptions whose checkpoint gap was already reported, so it is said once per gap. */
  readonly #gapReported = new Set<string>();

  constructor(options: BridgeOptions) {
    this.#options = options;
    this.#router = new Router(options.config.routes);
  }

  start(): void {
    const { config, store, logger } = this.#options;
    for (const c of config.connectors) {
      const log = logger.child({ connector: c.name });
      const connector = c.plugin.create(c.options, { name: c.name, logger: log, batch: c.batch, state: store.state(c.name) });
      this.#connectors.push(connector);
      const worker = new DeliveryWorker({
        connectorName: c.name,
        connector,
        outbox: store.outbox(c.name),
        batch: c.batch,
        delivery: c.delivery,
        logger,
        events: {
          onDelivered: (n) => this.stats.delivered(c.name, n),
          onRetry: () => this.stats.retried(c.name),
          onDeadLettered: () => this.stats.deadLettered(c.name),
        },
      });
      worker.start();
      this.#workers.push(worker);
    }
    for (const s of config.subscriptions) this.#subscribe(s);
    logger.info(
      { subscriptions: config.subscriptions.map((s) => s.name), connectors: config.connectors.map((c) => c.name), tier: config.source.tier },
      'bridge started',
    );
  }

  /** Stops reading, lets in-flight deliveries finish within `graceMs`, closes connectors. */
  async stop(graceMs = 10_000): Promise<void> {
    await Promise.all([...this.#subscriptions.values()].map((s) => s.stop()));
    await Promise.all(this.#workers.map((w) => w.stop(graceMs)));
    await Promise.all(this.#connectors.map((c) => c.close()));
    this.#options.logger.info('bridge stopped');
  }

  /** The last known state of each subscription. */
  subscriptionStates(): ReadonlyMap<string, SubscriptionState> {
    return this.#states;
  }

  #subscribe(subscription: SubscriptionConfig): void {
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
      onEvents: (batch) => this.#ingest(subscription.name, batch),
      onState: (state) => this.#states.set(subscription.name, state),
    });
    if (source.tls.insecureSkipVerify) log.warn('TLS verification of the S4E platform is OFF (source.tls.insecure_skip_verify)');
    this.#subscriptions.set(subscription.name, sse);
    sse.start();
  }

  /** The checkpoint to resume from; warns once when it is older than the replay buffer. */
  async #resumeFrom(subscription: string, log: Logger): Promise<string | undefined> {
    const checkpoint = await this.#options.store.checkpoint(subscription);
    if (!checkpoint) return undefined;
    const age = Date.now() - checkpoint.at;
    const window = this.#options.config.source.replayWindowMs;
    if (age > window && !this.#gapReported.has(subscription)) {
      this.#gapReported.add(subscription);
      log.warn(
        { checkpoint: checkpoint.id, missedFrom: new Date(checkpoint.at + window).toISOString(), missedUntil: new Date().toISOString() },
        `the checkpoint is ${Math.round(age / 1000)} s old, beyond the platform's ${Math.round(window / 1000)} s replay buffer: events in the window may have been missed`,
      );
    } else if (age <= window) {
      this.#gapReported.delete(subscription);
    }
    return checkpoint.id;
  }

  async #ingest(subscription: string, batch: readonly WireEvent[]): Promise<void> {
    const items: IngestItem[] = [];
    for (const raw of batch) {
      const decoded = decodeEvent(raw, subscription);
      if (decoded.ok) {
        items.push({ kind: 'event', envelope: decoded.envelope, connectors: this.#router.connectorsFor(decoded.envelope) });
      } else {
        items.push({ kind: 'malformed', event: decoded.malformed });
      }
    }
    const result = await this.#options.store.ingest(subscription, items);
    for (const item of items) {
      if (item.kind === 'event') this.stats.received(item.envelope.type, item.envelope.severity);
      else {
        this.stats.malformed += 1;
        this.#options.logger.warn({ subscription, eventId: item.event.id, type: item.event.type, reason: item.event.reason }, 'malformed event set aside');
      }
    }
    this.stats.duplicates += result.duplicates;
  }
}
