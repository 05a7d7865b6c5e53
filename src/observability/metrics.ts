import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { CircuitState } from '../delivery/circuit.js';
import type { Envelope } from '../pipeline/envelope.js';
import { isSeverity } from '../pipeline/severity.js';
import type { SubscriptionState } from '../source/types.js';
import type { Store } from '../store/types.js';
import { BatchHistogram } from './batch-histogram.js';
import { readStoreSnapshot, SNAPSHOT_TIMEOUT_MS, type SnapshotNames, type StoreSnapshot } from './store-snapshot.js';

export interface BridgeMetricsOptions extends SnapshotNames {
  /** Read at scrape time for the backlog, dead-letter and checkpoint gauges. */
  readonly store: Store;
  /** Node process metrics (CPU, memory, event loop lag, GC) under their usual names. Default true. */
  readonly processMetrics?: boolean;
  /** Longest a scrape waits for the store, ms; the store gauges are absent when it does not answer. Default SNAPSHOT_TIMEOUT_MS. */
  readonly storeTimeoutMs?: number;
}

/** Totals read from the counters, for the demo's screen and tests. */
export interface MetricsSummary {
  readonly received: number;
  readonly receivedByType: ReadonlyMap<string, number>;
  readonly receivedBySeverity: ReadonlyMap<string, number>;
  /** Across connectors: events delivered and dead-lettered, batch attempts retried. */
  readonly delivered: number;
  readonly retried: number;
  readonly deadLettered: number;
  readonly malformed: number;
  readonly duplicates: number;
  /** Events each route matched. */
  readonly routedByRoute: ReadonlyMap<string, number>;
  /** Status changes each connector got by following their finding, beyond the routes. */
  readonly followedByConnector: ReadonlyMap<string, number>;
  /** Per connector: events delivered and dead-lettered. */
  readonly byConnector: ReadonlyMap<string, { readonly delivered: number; readonly deadLettered: number }>;
}

type Labels = Partial<Record<string, string>>;

const SUBSCRIPTION_STATES: readonly SubscriptionState['state'][] = ['connecting', 'connected', 'reconnecting', 'stopped'];
const OUTCOMES = ['delivered', 'retried', 'dead_lettered'] as const;
const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half-open'];
/** Received → delivered, s: from near-real-time to a sink that was down for an hour. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * The bridge's Prometheus metrics: one method per thing that happens, each bumping its series
 * with fixed label names. Labels carry names from the config, event types, states and reason
 * codes only, never a value from a payload or a secret. Gauges that need the store are read on
 * scrape, never on the hot path.
 */
export class BridgeMetrics {
  readonly registry = new Registry();
  readonly #received: Counter<'subscription' | 'type' | 'severity'>;
  readonly #malformed: Counter<'subscription'>;
  readonly #duplicates: Counter<'subscription'>;
  readonly #routed: Counter<'route'>;
  readonly #unenriched: Counter<'subscription'>;
  readonly #followed: Counter<'connector'>;
  readonly #deliveries: Counter<'connector' | 'outcome'>;
  readonly #latency: BatchHistogram;
  readonly #reconnects: Counter<'subscription' | 'reason'>;
  readonly #gaps: Counter<'subscription'>;
  readonly #subscriptionState: Gauge<'subscription' | 'state'>;
  readonly #circuitState: Gauge<'connector' | 'state'>;
  readonly #authFailed: Gauge<'connector'>;
  /** Epoch ms of the last heartbeat event per subscription. */
  readonly #lastHeartbeat = new Map<string, number>();
  readonly #options: BridgeMetricsOptions;
  /** The store read of the scrape under way: its gauges collect concurrently and share it. */
  #snapshot: Promise<StoreSnapshot | undefined> | undefined;

  constructor(options: BridgeMetricsOptions) {
    this.#options = options;
    const registers = [this.registry];
    this.#received = new Counter({
      name: 's4e_bridge_events_received_total',
      help: 'Events made durable, by subscription, event type and severity (none: absent, other: off the scale).',
      labelNames: ['subscription', 'type', 'severity'],
      registers,
    });
    this.#malformed = new Counter({ name: 's4e_bridge_events_malformed_total', help: 'Events that could not be decoded, set aside.', labelNames: ['subscription'], registers });
    this.#duplicates = new Counter({ name: 's4e_bridge_events_duplicate_total', help: 'Replayed events already ingested, skipped.', labelNames: ['subscription'], registers });
    this.#routed = new Counter({ name: 's4e_bridge_events_routed_total', help: 'Events matched by each route.', labelNames: ['route'], registers });
    this.#unenriched = new Counter({
      name: 's4e_bridge_status_changes_unenriched_total',
      help: 'finding.status_changed events about a finding the bridge does not know (never seen, or past findings.retention), delivered as they came.',
      labelNames: ['subscription'],
      registers,
    });
    this.#followed = new Counter({
      name: 's4e_bridge_status_changes_followed_total',
      help: 'Status changes sent to a connector because it received the finding (send_resolved), where no route sent them.',
      labelNames: ['connector'],
      registers,
    });
    this.#deliveries = new Counter({
      name: 's4e_bridge_deliveries_total',
      help: 'Delivery outcomes by connector: delivered and dead_lettered count events, retried counts batch attempts to be retried.',
      labelNames: ['connector', 'outcome'],
      registers,
    });
    this.#latency = new BatchHistogram('s4e_bridge_delivery_latency_seconds', 'From receiving an event to its destination confirming it.', 'connector', LATENCY_BUCKETS, this.registry);
    this.#reconnects = new Counter({ name: 's4e_bridge_reconnects_total', help: 'Reconnections of the event stream, by reason.', labelNames: ['subscription', 'reason'], registers });
    this.#subscriptionState = new Gauge({ name: 's4e_bridge_subscription_state', help: '1 for the state each subscription is in.', labelNames: ['subscription', 'state'], registers });
    this.#circuitState = new Gauge({ name: 's4e_bridge_circuit_state', help: "1 for the state of each connector's circuit breaker.", labelNames: ['connector', 'state'], registers });
    this.#authFailed = new Gauge({
      name: 's4e_bridge_connector_auth_failed',
      help: 'Whether the destination refuses the connector\'s credentials (auth_failed): 1 while it is paused for that, its outbox kept.',
      labelNames: ['connector'],
      registers,
    });
    this.#gaps = new Counter({ name: 's4e_bridge_gaps_total', help: 'Resumes from a checkpoint older than the replay buffer: events may have been missed.', labelNames: ['subscription'], registers });
    // Known series start at 0, so rate() and alerts see the first increase.
    for (const subscription of options.subscriptions) {
      this.#malformed.inc({ subscription }, 0);
      this.#duplicates.inc({ subscription }, 0);
      this.#gaps.inc({ subscription }, 0);
      this.#unenriched.inc({ subscription }, 0);
    }
    for (const connector of options.connectors) {
      for (const outcome of OUTCOMES) this.#deliveries.inc({ connector, outcome }, 0);
      this.circuit(connector, 'closed');
      this.authFailed(connector, false);
    }

    const lastHeartbeat = this.#lastHeartbeat;
    new Gauge({
      name: 's4e_bridge_heartbeat_age_seconds',
      help: 'Seconds since the last heartbeat event on each subscription.',
      labelNames: ['subscription'],
      registers,
      collect() {
        const now = Date.now();
        for (const [subscription, at] of lastHeartbeat) this.set({ subscription }, (now - at) / 1000);
      },
    });
    const read = () => this.#storeSnapshot();
    new Gauge({
      name: 's4e_bridge_store_up',
      help: 'Whether the store answered this scrape; the store gauges are absent when not.',
      registers,
      async collect() {
        this.set((await read()) ? 1 : 0);
      },
    });
    this.#storeGauge('s4e_bridge_outbox_backlog', 'Events waiting or in flight in each outbox.', ['connector'], (s) =>
      s.connectors.map((c) => [{ connector: c.name }, c.backlog.count]),
    );
    this.#storeGauge('s4e_bridge_outbox_oldest_age_seconds', 'Age of the oldest event in each outbox; 0 when empty.', ['connector'], (s) =>
      s.connectors.map((c) => [{ connector: c.name }, c.backlog.oldestAgeMs / 1000]),
    );
    this.#storeGauge('s4e_bridge_dead_letters', 'Events in each connector\'s dead letters.', ['connector'], (s) =>
      s.connectors.map((c) => [{ connector: c.name }, c.deadLetters]),
    );
    // Every subscription's series, 0 when it has no open gap, so that an alert sees the change.
    this.#storeGauge('s4e_bridge_gap_open', 'Whether events may have been missed on each subscription and the gap is not yet acknowledged, backfilled or aged out.', ['subscription'], (s) =>
      options.subscriptions.map((subscription) => [{ subscription }, s.gaps.some((g) => g.subscription === subscription) ? 1 : 0]),
    );
    this.#storeGauge('s4e_bridge_gap_start_timestamp_seconds', 'Start of each open gap: the time of the checkpointed event (Unix seconds).', ['subscription'], (s) =>
      s.gaps.map((g) => [{ subscription: g.subscription }, g.from / 1000]),
    );
    this.#storeGauge('s4e_bridge_gap_end_timestamp_seconds', 'End of each open gap: when the stream was resumed (Unix seconds).', ['subscription'], (s) =>
      s.gaps.map((g) => [{ subscription: g.subscription }, g.until / 1000]),
    );
    this.#storeGauge('s4e_bridge_checkpoint_age_seconds', "Seconds since the event each subscription's checkpoint points at was received.", ['subscription'], (s) =>
      s.subscriptions.flatMap((sub) => (sub.checkpoint ? [[{ subscription: sub.name }, (Date.now() - sub.checkpoint.at) / 1000]] : [])),
    );
    const { store } = options;
    if (store.backlogUsage) {
      // The embedded store counts its backlog in memory: read it on scrape, no I/O.
      const usage = () => store.backlogUsage!();
      new Gauge({
        name: 's4e_bridge_store_backlog',
        help: 'Outbox entries the store holds across connectors, in events and in bytes (embedded store).',
        labelNames: ['unit'],
        registers,
        collect() {
          const { events, bytes } = usage();
          this.set({ unit: 'events' }, events);
          this.set({ unit: 'bytes' }, bytes);
        },
      });
      new Gauge({
        name: 's4e_bridge_store_backlog_limit',
        help: 'store.max_backlog, in its unit; ingest pauses at it (absent: no cap).',
        labelNames: ['unit'],
        registers,
        collect() {
          const { limit } = usage();
          this.reset();
          if (limit) this.set({ unit: limit.unit }, limit.max);
        },
      });
    }
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * A batch of events was made durable (heartbeats included: they prove the stream alive).
   * Counted once per label set: prom-client hashes the labels on every inc (~0.7 µs).
   */
  received(subscription: string, envelopes: readonly Envelope[]): void {
    const byType = new Map<string, Map<string, number>>();
    for (const { type, severity, receivedAt } of envelopes) {
      let bySeverity = byType.get(type);
      if (!bySeverity) byType.set(type, (bySeverity = new Map()));
      add(bySeverity, severityLabel(severity), 1);
      if (type === 'heartbeat') this.#lastHeartbeat.set(subscription, receivedAt);
    }
    for (const [type, bySeverity] of byType) {
      for (const [severity, count] of bySeverity) this.#received.inc({ subscription, type, severity }, count);
    }
  }

  malformed(subscription: string): void {
    this.#malformed.inc({ subscription });
  }

  duplicates(subscription: string, count: number): void {
    if (count > 0) this.#duplicates.inc({ subscription }, count);
  }

  /** Status changes of a batch about findings the bridge does not know. */
  unenriched(subscription: string, count: number): void {
    if (count > 0) this.#unenriched.inc({ subscription }, count);
  }

  /** Connectors that status changes followed their finding to, beyond the routes; one entry per event. */
  followed(connectors: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const connector of connectors) add(counts, connector, 1);
    for (const [connector, count] of counts) this.#followed.inc({ connector }, count);
  }

  /** The routes that matched a batch's events, a name per match: counted once per route. */
  routed(routes: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const route of routes) add(counts, route, 1);
    for (const [route, count] of counts) this.#routed.inc({ route }, count);
  }

  delivered(connector: string, latenciesMs: readonly number[]): void {
    this.#deliveries.inc({ connector, outcome: 'delivered' }, latenciesMs.length);
    this.#latency.observe(connector, latenciesMs.map((ms) => ms / 1000));
  }

  retried(connector: string): void {
    this.#deliveries.inc({ connector, outcome: 'retried' });
  }

  deadLettered(connector: string): void {
    this.#deliveries.inc({ connector, outcome: 'dead_lettered' });
  }

  subscriptionState(subscription: string, state: SubscriptionState): void {
    for (const s of SUBSCRIPTION_STATES) this.#subscriptionState.set({ subscription, state: s }, s === state.state ? 1 : 0);
    if (state.state === 'reconnecting') this.#reconnects.inc({ subscription, reason: reconnectReason(state.reason) });
  }

  /** A subscription resumed from a checkpoint older than the replay buffer. */
  gap(subscription: string): void {
    this.#gaps.inc({ subscription });
  }

  circuit(connector: string, state: CircuitState): void {
    for (const s of CIRCUIT_STATES) this.#circuitState.set({ connector, state: s }, s === state ? 1 : 0);
  }

  authFailed(connector: string, failed: boolean): void {
    this.#authFailed.set({ connector }, failed ? 1 : 0);
  }

  async summary(): Promise<MetricsSummary> {
    const [received, deliveries, malformed, duplicates, routed, followed] = await Promise.all([
      this.#received.get(),
      this.#deliveries.get(),
      this.#malformed.get(),
      this.#duplicates.get(),
      this.#routed.get(),
      this.#followed.get(),
    ]);
    const receivedByType = new Map<string, number>();
    const receivedBySeverity = new Map<string, number>();
    for (const { labels, value } of received.values) {
      add(receivedByType, String(labels.type), value);
      add(receivedBySeverity, String(labels.severity), value);
    }
    const total = (values: readonly { value: number; labels: Partial<Record<string, string | number>> }[], outcome?: string) =>
      values.filter((v) => outcome === undefined || v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0);
    const byConnector = new Map<string, { delivered: number; deadLettered: number }>();
    for (const { labels, value } of deliveries.values) {
      const counts = byConnector.get(String(labels.connector)) ?? { delivered: 0, deadLettered: 0 };
      if (labels.outcome === 'delivered') counts.delivered += value;
      else if (labels.outcome === 'dead_lettered') counts.deadLettered += value;
      byConnector.set(String(labels.connector), counts);
    }
    return {
      received: total(received.values),
      receivedByType,
      receivedBySeverity,
      delivered: total(deliveries.values, 'delivered'),
      retried: total(deliveries.values, 'retried'),
      deadLettered: total(deliveries.values, 'dead_lettered'),
      malformed: total(malformed.values),
      duplicates: total(duplicates.values),
      routedByRoute: new Map(routed.values.map(({ labels, value }) => [String(labels.route), value])),
      followedByConnector: new Map(followed.values.map(({ labels, value }) => [String(labels.connector), value])),
      byConnector,
    };
  }

  /** A gauge set from the store on each scrape; absent when the store does not answer in time. */
  #storeGauge(name: string, help: string, labelNames: readonly string[], values: (snapshot: StoreSnapshot) => [Labels, number][]): void {
    const read = () => this.#storeSnapshot();
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        const snapshot = await read();
        this.reset();
        if (snapshot) for (const [labels, value] of values(snapshot)) this.set(labels, value);
      },
    });
  }

  #storeSnapshot(): Promise<StoreSnapshot | undefined> {
    const { store, storeTimeoutMs = SNAPSHOT_TIMEOUT_MS } = this.#options;
    this.#snapshot ??= readStoreSnapshot(store, this.#options, storeTimeoutMs)
      .catch(() => undefined)
      .finally(() => (this.#snapshot = undefined));
    return this.#snapshot;
  }
}

function severityLabel(severity: string | undefined): string {
  if (severity === undefined) return 'none';
  return isSeverity(severity) ? severity : 'other';
}

/**
 * A bounded reason code for a reconnection, from the reasons src/source gives (errors.ts,
 * connection.ts, sse-client.ts): the text itself may carry details no label should.
 */
function reconnectReason(reason: string): string {
  if (reason.includes('heartbeat timeout')) return 'heartbeat_timeout';
  if (reason.startsWith('stream ended')) return 'stream_ended';
  if (reason.startsWith('connection failed')) return 'network_error';
  if (reason.startsWith('rate limited')) return 'rate_limited';
  if (reason.startsWith('HTTP ')) return 'http_error';
  if (reason.startsWith('unexpected content type')) return 'bad_response';
  if (reason.startsWith('resumeFrom failed') || reason.startsWith('onEvents failed')) return 'store_error';
  return 'other';
}

function add(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
