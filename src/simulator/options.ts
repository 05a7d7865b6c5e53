import { EVENT_TYPES } from './event-types.js';
import type { SimulatorOptions } from './types.js';

export type ResolvedOptions = Required<Omit<SimulatorOptions, 'seed'>> & Pick<SimulatorOptions, 'seed'>;

const DEFAULT_OPTIONS: Omit<ResolvedOptions, 'seed'> = {
  host: '127.0.0.1',
  port: 0,
  apiKeys: ['sim-key'],
  maxConnections: 5,
  rate: 0,
  types: EVENT_TYPES,
  heartbeatIntervalMs: 30_000,
  replayWindowMs: 300_000,
  replayMaxEvents: 250_000,
  retryMs: 3_000,
  scanDurationMs: 60_000,
  scanQueueMs: 1_000,
  scanIntervalMs: 0,
  progressKeepaliveMs: 15_000,
  apiRateLimit: 0,
  apiRateWindowMs: 60_000,
  assumedFields: false,
};

/** The numeric options; each must be >= 0. */
const NUMBERS = [
  'maxConnections',
  'rate',
  'heartbeatIntervalMs',
  'replayWindowMs',
  'replayMaxEvents',
  'retryMs',
  'scanDurationMs',
  'scanQueueMs',
  'scanIntervalMs',
  'progressKeepaliveMs',
  'apiRateLimit',
  'apiRateWindowMs',
] as const;

/** Options with defaults filled in; undefined fields take the default. */
export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved: ResolvedOptions = { ...DEFAULT_OPTIONS, ...defined };
  for (const name of NUMBERS) {
    if (!(resolved[name] >= 0)) throw new RangeError(`${name} must be a number >= 0, got ${resolved[name]}`);
  }
  return resolved;
}
