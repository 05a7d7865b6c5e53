import { Redis } from 'ioredis';

/**
 * Whether a Redis server answers PING at `url` within `timeoutMs`: one attempt, no retries,
 * for choosing a store (the demo), not for using one.
 */
export async function redisAnswers(url: string, timeoutMs = 500): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
