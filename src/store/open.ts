import type { StoreConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { createRedisStore } from './redis/redis-store.js';
import type { Store } from './types.js';

/** The store the config asks for. */
export async function openStore(config: StoreConfig, logger: Logger): Promise<Store> {
  if (!config.redisUrl) throw new Error('store.redis_url is required');
  return createRedisStore({
    url: config.redisUrl,
    keyPrefix: config.keyPrefix,
    consumer: config.consumer,
    dedupeWindowMs: config.dedupeWindowMs,
    logger: logger.child({ component: 'store' }),
  });
}
