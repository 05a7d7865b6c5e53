import { Bridge } from '../../bridge.js';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../observability/logger.js';
import { openStore } from '../../store/open.js';
import { onShutdown } from '../shutdown.js';

export async function runCommand(options: { config: string; logLevel?: string; logFormat?: 'json' | 'pretty' }): Promise<void> {
  const config = loadConfig(options.config);
  const logger = createLogger({ level: options.logLevel ?? config.log.level, format: options.logFormat ?? config.log.format, secrets: config.secrets });
  const store = await openStore(config.store, logger);
  const bridge = new Bridge({ config, store, logger });
  bridge.start();
  await onShutdown(logger, async () => {
    await bridge.stop();
    await store.close();
  });
}
