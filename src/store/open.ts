import type { StoreConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { createEmbeddedStore } from './embedded/embedded-store.js';
import { createRedisStore } from './redis/redis-store.js';
import type { Store } from './types.js';

/** The store the config asks for: Redis when `store.redis_url` is set, else the embedded one at `store.path`. */
export async function openStore(config: StoreConfig, logger: Logger): Promise<Store> {
  const log = logger.child({ component: 'store' });
  if (config.redisUrl) {
    const { redisUrl: url, keyPrefix, consumer, dedupeWindowMs, claimIdleMs, findings } = config;
    return createRedisStore({ url, keyPrefix, consumer, dedupeWindowMs, claimIdleMs, findings, logger: log });
  }
  return createEmbeddedStore({ path: config.path, maxBacklog: config.maxBacklog, dedupeWindowMs: config.dedupeWindowMs, findings: config.findings, logger: log });
}
