import { z } from 'zod';
import { duration } from './units.js';

/**
 * The config sections about the tier's connection budget: replicas (`coordination`), scan
 * progress streams (`scan_progress`) and gap backfill (`backfill`). See README "Replicas and the
 * connection budget".
 */

/** Scan types of the Scans API (doc 004); `follow` lists some of them. */
export const SCAN_TYPES = ['full', 'quick', 'custom', 'api_discovery', 'ssl', 'dns', 'port'] as const;

const positive = duration.refine((ms) => ms > 0, 'a duration above 0');

/** Replicas sharing one Redis: each subscription is held by one of them through a lease. */
export const coordination = z
  .strictObject({
    /** How long a replica holds a subscription without renewing; a dead replica's are taken after it. */
    lease: positive.refine((ms) => ms >= 1_000, 'at least 1s').default(15_000),
  })
  .default({ lease: 15_000 })
  .transform((c) => ({ leaseMs: c.lease }));

/** Follow scans' progress streams, within the connections the subscriptions leave free. */
export const scanProgress = z
  .strictObject({
    follow: z.union([z.literal('all'), z.array(z.enum(SCAN_TYPES)).min(1)]),
    /** Most progress streams at once, across replicas; capped by the tier's budget minus the subscriptions. */
    max_streams: z.number().int().min(1).max(100).optional(),
    /** Silence longer than this is a dead progress stream (keepalives come every 15 s). */
    heartbeat_timeout: positive.default(45_000),
  })
  .optional()
  .transform((p) =>
    p === undefined ? undefined : { follow: p.follow === 'all' ? ('all' as const) : p.follow, maxStreams: p.max_streams, heartbeatTimeoutMs: p.heartbeat_timeout },
  );

/** When a checkpoint is older than the replay buffer: findings of the scans completed meanwhile, from the Scans API. */
export const backfill = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** How long finding and scan ids delivered are remembered, so a backfill does not repeat them. */
    seen_retention: positive.default(86_400_000),
    /** Wait after reconnecting before backfilling, so the platform's replay lands first. */
    delay: duration.default(5_000),
    /** Per Scans API request (the SDK's default). */
    timeout: positive.default(30_000),
    /** Retries of a 5xx or network error (the SDK's default). */
    retries: z.number().int().min(0).max(10).default(3),
    /** Scans finished this long before a gap are read too, for their findings' statuses (0: not). */
    status_lookback: duration.default(7 * 86_400_000),
  })
  .default({ enabled: true, seen_retention: 86_400_000, delay: 5_000, timeout: 30_000, retries: 3, status_lookback: 7 * 86_400_000 })
  .transform((b) => ({
    enabled: b.enabled,
    seenRetentionMs: b.seen_retention,
    delayMs: b.delay,
    timeoutMs: b.timeout,
    retries: b.retries,
    statusLookbackMs: b.status_lookback,
  }));

export type CoordinationConfig = z.output<typeof coordination>;
export type ScanProgressConfig = NonNullable<z.output<typeof scanProgress>>;
export type BackfillConfig = z.output<typeof backfill>;
