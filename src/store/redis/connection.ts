import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import type { Logger } from '../../observability/logger.js';

/** Longest wait between reconnection attempts, so a restarted Redis is found again quickly. */
const MAX_RECONNECT_DELAY_MS = 2_000;

const OPTIONS: RedisOptions = {
  lazyConnect: true,
  // While Redis is away, calls wait in the offline queue and complete once it is back instead
  // of failing: callers simply take longer, which is the backpressure the bridge wants.
  maxRetriesPerRequest: null,
  enableOfflineQueue: true,
  retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
};

/**
 * Opens the shared connection and waits until it is ready. Rejects when Redis does not answer
 * the first attempt; the message names the cause, never the URL (it may hold a password).
 */
export async function openConnection(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, OPTIONS);
  let lastError: Error | undefined;
  let ready = false;
  redis.on('error', (error: Error) => {
    lastError = error;
    // One line per outage, not one per reconnection attempt; errors before the first ready
    // are the startup failure, thrown below.
    if (!ready) return;
    ready = false;
    logger.warn({ err: error.message }, 'Redis connection lost; store calls wait until it is back');
  });
  redis.on('ready', () => {
    if (lastError) logger.info('Redis connection restored');
    lastError = undefined;
    ready = true;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Cannot connect to Redis: ${(lastError ?? (error as Error)).message}`);
  }
  return redis;
}

/**
 * A connection of its own for blocking reads, which hold their connection while they wait.
 * Its outages are the shared connection's too, and are reported there.
 */
export function openBlockingConnection(shared: Redis): Redis {
  const redis = shared.duplicate();
  redis.on('error', () => {});
  return redis;
}

/** Runs a MULTI or pipeline and throws the first command error (ioredis reports them per command). */
export async function execChecked(multi: ChainableCommander): Promise<unknown[]> {
  const results = (await multi.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  return results.map(([, value]) => value);
}
