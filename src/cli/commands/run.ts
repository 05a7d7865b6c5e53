import { Bridge } from '../../bridge.js';
import { loadConfig, type BridgeConfig } from '../../config/load.js';
import { readiness } from '../../observability/health.js';
import { startOpsServer, type OpsServer } from '../../observability/http-server.js';
import { liveStatus } from '../../observability/live-status.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { createRedactor } from '../../observability/redact.js';
import { snapshotNames } from '../../observability/store-snapshot.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/types.js';
import { reloadOnHangup } from '../reload.js';
import { onShutdown } from '../shutdown.js';

export async function runCommand(options: { config: string; logLevel?: string; logFormat?: 'json' | 'pretty' }): Promise<void> {
  const config = loadConfig(options.config);
  const logger = createLogger({ level: options.logLevel ?? config.log.level, format: options.logFormat ?? config.log.format, secrets: config.secrets });
  for (const warning of config.warnings) logger.warn({ path: warning.path, line: warning.line }, `config: ${warning.message}`);
  const store = await openStore(config.store, logger);
  const bridge = new Bridge({ config, store, logger });
  // Listening first: a taken port fails the start before any event is read.
  const server = await startServer(config, bridge, store, logger).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  bridge.start();
  reloadOnHangup(options.config, bridge, logger);
  await onShutdown(logger, async () => {
    await bridge.stop(config.server.shutdownGraceMs);
    await server?.close();
    await store.close();
  });
}

function startServer(config: BridgeConfig, bridge: Bridge, store: Store, logger: Logger): Promise<OpsServer | undefined> {
  if (!config.server.enabled) return Promise.resolve(undefined);
  return startOpsServer({
    ...config.server.listen,
    registry: bridge.metrics.registry,
    readiness: () => readiness({ store, subscriptions: bridge.subscriptionStates() }),
    status: () => liveStatus(bridge, store, snapshotNames(config)),
    redact: createRedactor(config.secrets),
    logger,
  });
}
