import { Redis } from 'ioredis';

/** The suite needs a Redis server; say so plainly instead of failing test by test. */
export default async function requireRedis(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.env.REDIS_URL = url;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `The test suite needs a Redis server and none answers at ${url} (${(error as Error).message}). ` +
        'Start one (redis-server --port 6379) or set REDIS_URL; .ci/run starts one by itself.',
    );
  } finally {
    redis.disconnect();
  }
}
