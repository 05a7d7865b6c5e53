import { Bridge } from '../../src/bridge.js';
import { parseConfig, type BridgeConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRedisStore } from '../../src/store/redis/redis-store.js';
import { keyTag } from '../../src/store/redis/keys.js';
import type { Store } from '../../src/store/types.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis.js';

export interface BridgeHarness {
  readonly bridge: Bridge;
  readonly store: Store;
  readonly config: BridgeConfig;
  /** Every log line the bridge wrote. */
  readonly logs: string[];
  stop(): Promise<void>;
}

/**
 * A bridge in this process on real Redis (a fresh key prefix), from a YAML config whose
 * `store:` section the harness fills in.
 */
export async function startBridge(yaml: string): Promise<BridgeHarness> {
  const prefix = uniquePrefix('bridge');
  const config = parseConfig(`${yaml}\nstore:\n  redis_url: ${REDIS_URL}\n  key_prefix: ${prefix}\n  consumer: harness\n`, 'test.yaml', {});
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', secrets: config.secrets, destination: { write: (line: string) => void logs.push(line) } });
  const store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix, consumer: 'harness', logger });
  const bridge = new Bridge({ config, store, logger });
  bridge.start();
  return {
    bridge,
    store,
    config,
    logs,
    async stop() {
      await bridge.stop(1_000);
      await store.close();
      await deleteKeys(keyTag(prefix));
    },
  };
}
