import { z } from 'zod';
import { planSubscriptions } from '../planner/plan.js';
import { DEFAULT_FINDING_STATUS } from '../pipeline/lifecycle.js';
import { FINDING_DEFAULTS } from '../store/findings.js';
import { backfill, coordination, scanProgress } from './budget-schema.js';
import { defaultHostName, exactEventType, isLoopbackHost, name } from './primitives.js';
import { route, ruleTest, severityDefaults, severityRule } from './rules.js';
import { duration, parseSize, size } from './units.js';

/**
 * The YAML's shape, snake_case as the user writes it, turned into the typed camelCase
 * values the bridge uses. Every object is strict: a typo must not pass silently.
 * Connector-specific keys are checked by each connector's own schema (see load.ts).
 */

export const TIER_CONNECTIONS = { standard: 5, premium: 20, enterprise: 100 } as const;
export type Tier = keyof typeof TIER_CONNECTIONS;

/** An egress proxy; credentials go in its userinfo (`http://user:pass@proxy:3128`) and are masked. */
const proxyUrl = z.url({ protocol: /^https?$/, error: 'an http(s) proxy URL, e.g. http://proxy.example.com:3128' });

const tls = z
  .strictObject({
    ca_file: z.string().optional(),
    insecure_skip_verify: z.boolean().default(false),
  })
  .default({ insecure_skip_verify: false })
  .transform((t) => ({ caFile: t.ca_file, insecureSkipVerify: t.insecure_skip_verify }));

const source = z
  .strictObject({
    base_url: z.url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. https://api.s4e.io' }),
    api_key: z.string().min(1),
    auth: z.enum(['header', 'query']).default('header'),
    tier: z.enum(Object.keys(TIER_CONNECTIONS) as [Tier, ...Tier[]]).default('standard'),
    heartbeat_timeout: duration.default(90_000),
    connect_timeout: duration.default(30_000),
    replay_window: duration.default(300_000),
    reconnect: z
      .strictObject({ initial_delay: duration.default(1_000), max_delay: duration.default(60_000) })
      .default({ initial_delay: 1_000, max_delay: 60_000 }),
    tls,
    proxy: z.url().optional(),
    /** How long a gap (a checkpoint older than the replay buffer) stays reported unless acknowledged. */
    gap_retention: duration.refine((ms) => ms >= 60_000, 'at least 1m').default(86_400_000),
    /** Types the platform sends that its documents do not list yet: allowed in subscriptions and routes. */
    extra_event_types: z.array(exactEventType).default([]),
    /** Plain http to a host other than this one: the API key would cross the network in clear text. */
    allow_insecure_http: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    if (cleartextTo(s.base_url) && !s.allow_insecure_http) {
      ctx.addIssue({
        code: 'custom',
        path: ['base_url'],
        message: `plain http to ${new URL(s.base_url).host} would send the API key in clear text: use https, or set source.allow_insecure_http: true (warned at start)`,
      });
    }
  })
  .transform((s) => ({
    baseUrl: s.base_url.replace(/\/+$/, ''),
    apiKey: s.api_key,
    auth: s.auth,
    tier: s.tier,
    maxConnections: TIER_CONNECTIONS[s.tier],
    heartbeatTimeoutMs: s.heartbeat_timeout,
    connectTimeoutMs: s.connect_timeout,
    replayWindowMs: s.replay_window,
    reconnect: { initialDelayMs: s.reconnect.initial_delay, maxDelayMs: s.reconnect.max_delay },
    tls: s.tls,
    proxy: s.proxy,
    gapRetentionMs: s.gap_retention,
    extraEventTypes: s.extra_event_types,
    /** Allowed plain http to another host: said at every start. */
    insecureHttp: cleartextTo(s.base_url),
  }));

/** An http URL to a host other than this one (the URL was checked already; anything else: false). */
function cleartextTo(url: string): boolean {
  return URL.canParse(url) && new URL(url).protocol === 'http:' && !isLoopbackHost(new URL(url).hostname);
}

/** `store.max_backlog`: a number is a count of events; a size needs its unit (`500MB`, `2GiB`). */
const maxBacklog = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return { unit: 'events' as const, max: value };
  const bytes = /[a-z]\s*$/i.test(value) ? parseSize(value) : undefined;
  if (!bytes) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a backlog cap: use a number of events (100000) or a size with its unit (500MB, 2GiB)` });
    return z.NEVER;
  }
  return { unit: 'bytes' as const, max: bytes };
});

/** Where the embedded store lives when `redis_url` is absent. */
const DEFAULT_STORE_PATH = './data';

const store = z
  .strictObject({
    redis_url: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
    max_backlog: maxBacklog.optional(),
    key_prefix: z.string().regex(/^[A-Za-z0-9_.:-]+$/).default('s4e-bridge'),
    consumer: defaultHostName(z.string().min(1)),
    dedupe_window: duration.default(900_000),
    /** Redis: entries another consumer (a dead replica) took and left unacknowledged this long are delivered by another. */
    claim_idle: duration.refine((ms) => ms >= 1_000, 'at least 1s').default(60_000),
  })
  // Either store, never a silent choice between them.
  .refine((s) => s.redis_url === undefined || (s.path === undefined && s.max_backlog === undefined), {
    message: 'redis_url selects Redis; path and max_backlog belong to the embedded store: set one or the other',
    path: ['redis_url'],
  })
  .prefault({})
  .transform((s) => ({
    redisUrl: s.redis_url,
    path: s.path ?? DEFAULT_STORE_PATH,
    maxBacklog: s.max_backlog,
    keyPrefix: s.key_prefix,
    consumer: s.consumer,
    dedupeWindowMs: s.dedupe_window,
    claimIdleMs: s.claim_idle,
  }));

/** What the stores remember of each finding (src/store/findings.ts), for status changes that name only its id. */
const findings = z
  .strictObject({
    /** How long after it was last seen. */
    retention: duration.refine((ms) => ms >= 60_000, 'at least 1m').default(FINDING_DEFAULTS.retentionMs),
    /** How many at most: the least recently seen go first. */
    max_findings: z.number().int().min(1).default(FINDING_DEFAULTS.maxFindings),
  })
  .default({ retention: FINDING_DEFAULTS.retentionMs, max_findings: FINDING_DEFAULTS.maxFindings })
  .transform((f) => ({ retentionMs: f.retention, maxFindings: f.max_findings }));

const subscription = z
  .strictObject({
    name,
    events: z.array(exactEventType).min(1).optional(),
    asset_id: z.string().min(1).optional(),
  })
  .transform((s) => ({ name: s.name, events: s.events, assetId: s.asset_id }));

/** `new_status` values, compared lower-cased. */
const statuses = z.array(z.string().trim().min(1).transform((s) => s.toLowerCase()));

/** Keys every connector has, whatever its type; the rest belongs to the connector's schema. */
export const connectorCommon = z.strictObject({
  type: z.string(),
  /** Which finding.status_changed `new_status` values close what the connector opened for the finding, which reopen it; any other is a comment. */
  finding_status: z
    .strictObject({ close: statuses.default(() => [...DEFAULT_FINDING_STATUS.close]), reopen: statuses.default(() => [...DEFAULT_FINDING_STATUS.reopen]) })
    .superRefine((sets, ctx) => {
      const both = sets.reopen.filter((status) => sets.close.includes(status));
      if (both.length > 0) ctx.addIssue({ code: 'custom', path: ['reopen'], message: `${both.join(', ')} cannot both close and reopen` });
    })
    .optional(),
  batch: z
    .strictObject({ max_events: z.number().int().min(1).max(100_000).optional(), max_bytes: size.optional(), max_delay: duration.optional() })
    .optional(),
  delivery: z
    .strictObject({
      concurrency: z.number().int().min(1).max(64).optional(),
      timeout: duration.optional(),
      retry: z
        .strictObject({ initial_delay: duration.optional(), max_delay: duration.optional(), max_duration: duration.optional() })
        .optional(),
      /** At most `max` requests in any `per` window, e.g. `{ max: 1, per: 1s }`; default: the connector type's, else none. */
      rate_limit: z
        .strictObject({ max: z.number().int().min(1).max(100_000), per: duration.refine((ms) => ms > 0, 'a duration above 0') })
        .optional(),
      /** Opens after `failure_threshold` failed attempts in a row (default 5), probes after `open_for` (default 30s). */
      circuit: z.strictObject({ failure_threshold: z.number().int().min(1).max(1_000).optional(), open_for: duration.optional() }).optional(),
      /** While the destination refuses the credentials (auth_failed), how often one attempt probes them (default 1m). */
      auth_retry: duration.refine((ms) => ms >= 1_000, 'at least 1s').optional(),
    })
    .optional(),
  /** HTTP connectors: a proxy URL, or `false` to go direct; default: the config's `proxy`, else the environment's. */
  proxy: z.union([proxyUrl, z.literal(false)]).optional(),
});
export const COMMON_CONNECTOR_KEYS = Object.keys(connectorCommon.shape);

const log = z
  .strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    format: z.enum(['json', 'pretty']).default('json'),
    /** An info line with what was received, delivered and is waiting, this often; 0: none. */
    summary_interval: duration.refine((ms) => ms === 0 || ms >= 1_000, '0 (off) or at least 1s').default(60_000),
  })
  .default({ level: 'info', format: 'json', summary_interval: 60_000 })
  .transform((l) => ({ level: l.level, format: l.format, summaryIntervalMs: l.summary_interval }));

/** `host:port`, `[v6]:port` or `:port` (every interface). */
const LISTEN = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]*)):(\d{1,5})$/;
export const listen = z.string().transform((value, ctx) => {
  const match = LISTEN.exec(value.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65_535) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an address to listen on: use host:port, e.g. 127.0.0.1:9464` });
    return z.NEVER;
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
});

/** Loopback: a bare `run` exposes nothing; a container sets its own address (S4E_BRIDGE_LISTEN). */
const DEFAULT_LISTEN = { host: '127.0.0.1', port: 9464 };

/** How the bridge runs as a service: its operations endpoint, and how long a stop may take. */
const server = z
  .strictObject({
    enabled: z.boolean().default(true),
    listen: listen.default(DEFAULT_LISTEN),
    /** Bearer token for what changes state or shows events (dead letters); a secret. */
    token: z.string().min(16, 'at least 16 characters (e.g. `openssl rand -hex 32`)').optional(),
    /** Connections to the endpoint at once; more are closed at once, so that they cannot starve the data path of descriptors. */
    max_connections: z.number().int().min(4).max(10_000).default(64),
    shutdown_grace: duration.default(10_000),
    /** `/healthz` fails when no subscription held here was connected for this long. */
    unhealthy_after: duration.refine((ms) => ms >= 10_000, 'at least 10s').default(600_000),
  })
  .default({ enabled: true, listen: DEFAULT_LISTEN, max_connections: 64, shutdown_grace: 10_000, unhealthy_after: 600_000 })
  .transform((s) => ({
    enabled: s.enabled,
    listen: s.listen,
    token: s.token,
    maxConnections: s.max_connections,
    shutdownGraceMs: s.shutdown_grace,
    unhealthyAfterMs: s.unhealthy_after,
  }));

export const configSchema = z
  .strictObject({
    source,
    store,
    /** Omitted: the connection planner derives them from the routes (src/planner). */
    subscriptions: z.array(subscription).min(1).optional(),
    connectors: z.record(name, z.unknown()).refine((c) => Object.keys(c).length > 0, 'declare at least one connector'),
    severity_defaults: severityDefaults,
    severity_rules: z.array(severityRule).default([]),
    routes: z.array(route).min(1),
    tests: z.array(ruleTest).default([]),
    log,
    server,
    coordination,
    scan_progress: scanProgress,
    backfill,
    /** The default egress proxy of the platform connection and every HTTP connector; else HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
    proxy: proxyUrl.optional(),
    findings,
  })
  .transform(({ severity_defaults, severity_rules, scan_progress, subscriptions, store, findings, ...config }) => ({
    ...config,
    source: { ...config.source, proxy: config.source.proxy ?? config.proxy },
    // The stores keep the findings' state: its limits travel with the store's settings.
    store: { ...store, findings },
    // Without `subscriptions:`, the fewest that carry what the routes (and following scans) need.
    subscriptions: subscriptions ?? planSubscriptions(config.routes, scan_progress ? ['scan.created'] : [], config.source.extraEventTypes),
    subscriptionsPlanned: subscriptions === undefined,
    scanProgress: scan_progress,
    severityDefaults: severity_defaults,
    severityRules: severity_rules,
  }));

export type RawConfig = z.output<typeof configSchema>;
export type SourceConfig = RawConfig['source'];
export type StoreConfig = RawConfig['store'];
export type SubscriptionConfig = RawConfig['subscriptions'][number];
export type RouteConfig = RawConfig['routes'][number];
export type LogConfig = RawConfig['log'];
export type ServerConfig = RawConfig['server'];
