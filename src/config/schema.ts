import { hostname } from 'node:os';
import { z } from 'zod';
import { SEVERITIES } from '../pipeline/severity.js';
import { duration, size } from './units.js';

/**
 * The YAML's shape, snake_case as the user writes it, turned into the typed camelCase
 * values the bridge uses. Every object is strict: a typo must not pass silently.
 * Connector-specific keys are checked by each connector's own schema (see load.ts).
 */

export const TIER_CONNECTIONS = { standard: 5, premium: 20, enterprise: 100 } as const;
export type Tier = keyof typeof TIER_CONNECTIONS;

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "_", "-" and "." only');
const eventPattern = z.string().regex(/^[A-Za-z0-9_.*?-]+$/, 'an event type or glob, e.g. finding.new or finding.*');
const severity = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(SEVERITIES, { error: `one of ${SEVERITIES.join(', ')}` }));

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
  }));

const store = z
  .strictObject({
    redis_url: z.string().min(1).optional(),
    key_prefix: z.string().regex(/^[A-Za-z0-9_.:-]+$/).default('s4e-bridge'),
    consumer: z.string().min(1).default(hostname()),
    dedupe_window: duration.default(900_000),
  })
  .default({ key_prefix: 's4e-bridge', consumer: hostname(), dedupe_window: 900_000 })
  .transform((s) => ({ redisUrl: s.redis_url, keyPrefix: s.key_prefix, consumer: s.consumer, dedupeWindowMs: s.dedupe_window }));

const subscription = z
  .strictObject({
    name,
    events: z.array(eventPattern.refine((e) => !/[*?]/.test(e), 'the platform filters on exact event types; use globs in routes')).min(1).optional(),
    asset_id: z.string().min(1).optional(),
  })
  .transform((s) => ({ name: s.name, events: s.events, assetId: s.asset_id }));

/** Keys every connector has, whatever its type; the rest belongs to the connector's schema. */
export const connectorCommon = z.strictObject({
  type: z.string(),
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
    })
    .optional(),
});
export const COMMON_CONNECTOR_KEYS = Object.keys(connectorCommon.shape);

const route = z
  .strictObject({
    name,
    match: z
      .strictObject({ events: z.array(eventPattern).min(1).default(['*']), min_severity: severity.optional() })
      .default({ events: ['*'] }),
    to: z.array(z.string()).min(1),
  })
  .transform((r) => ({ name: r.name, match: { events: r.match.events, minSeverity: r.match.min_severity }, to: r.to }));

const log = z
  .strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    format: z.enum(['json', 'pretty']).default('json'),
  })
  .default({ level: 'info', format: 'json' });

export const configSchema = z.strictObject({
  source,
  store,
  subscriptions: z.array(subscription).min(1),
  connectors: z.record(name, z.unknown()).refine((c) => Object.keys(c).length > 0, 'declare at least one connector'),
  routes: z.array(route).min(1),
  log,
});

export type RawConfig = z.output<typeof configSchema>;
export type SourceConfig = RawConfig['source'];
export type StoreConfig = RawConfig['store'];
export type SubscriptionConfig = RawConfig['subscriptions'][number];
export type RouteConfig = RawConfig['routes'][number];
export type LogConfig = RawConfig['log'];
