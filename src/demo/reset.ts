import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { keyTag } from '../store/redis/keys.js';
import type { DemoStore } from './config.js';

export const DEMO_KEY_PREFIX = 's4e-bridge-demo';

/**
 * Empties the demo's own store before a run: each run's simulator has new event ids, so a
 * checkpoint or backlog left by an earlier run would only report a false gap.
 */
export async function resetDemoStore(store: DemoStore): Promise<void> {
  if ('path' in store) {
    rmSync(store.path, { recursive: true, force: true });
    return;
  }
  const redis = new Redis(store.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyTag(DEMO_KEY_PREFIX)}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
