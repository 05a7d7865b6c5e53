import { Bridge } from '../../bridge.js';
import { loadConfig, type BridgeConfig } from '../../config/load.js';
import { evaluate } from '../../observability/health.js';
import { startOpsServer, type OpsServer } from '../../observability/http-server.js';
import { liveStatus } from '../../observability/live-status.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { createSecretMask, type Redactor } from '../../observability/redact.js';
import { snapshotNames } from '../../observability/store-snapshot.js';
import { opsApi } from '../../ops/api.js';
import { localSocketPath } from '../../ops/local-socket.js';
import { storeOperations } from '../../ops/operations.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/types.js';
import { checkDescriptorLimit } from '../descriptor-limit.js';
import { reloadOnHangup } from '../reload.js';
import { onShutdown } from '../shutdown.js';

export interface RunOptions {
  readonly config: string;
  readonly logLevel?: string;
  readonly logFormat?: 'json' | 'pretty';
  /** Overrides `server.listen` (`--listen`, S4E_BRIDGE_LISTEN: the image sets the container's address). */
  readonly listen?: { readonly host: string; readonly port: number };
}

export async function runCommand(options: RunOptions): Promise<void> {
  const load = (file: string) => withListen(loadConfig(file), options.listen);
  const config = load(options.config);
  // One mask for the log and the endpoint, taught the secrets a reload reads.
  const secrets = createSecretMask(config.secrets);
  const logger = createLogger({ level: options.logLevel ?? config.log.level, format: options.logFormat ?? config.log.format, redact: secrets });
  checkDescriptorLimit(logger);
  for (const warning of config.warnings) logger.warn({ path: warning.path, line: warning.line }, `config: ${warning.message}`);
  const store = await openStore(config.store, logger);
  const bridge = new Bridge({ config, store, logger });
  // Listening first: a taken port fails the start before any event is read.
  const server = await startServer(config, bridge, store, logger, secrets).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  bridge.start();
  reloadOnHangup(options.config, bridge, logger, load, secrets);
  await onShutdown(logger, async () => {
    await bridge.stop(config.server.shutdownGraceMs);
    await server?.close();
    await store.close();
  });
}

function withListen(config: BridgeConfig, listen: RunOptions['listen']): BridgeConfig {
  return listen ? { ...config, server: { ...config.server, listen } } : config;
}

function startServer(config: BridgeConfig, bridge: Bridge, store: Store, logger: Logger, secrets: Redactor): Promise<OpsServer | undefined> {
  if (!config.server.enabled) return Promise.resolve(undefined);
  const names = snapshotNames(config);
  const checks = bridge.healthChecks();
  return startOpsServer({
    ...config.server.listen,
    socket: localSocketPath(config.store),
    maxConnections: config.server.maxConnections,
    handle: opsApi({
      registry: bridge.metrics.registry,
      liveness: () => evaluate(checks.liveness),
      readiness: () => evaluate(checks.readiness),
      status: () => liveStatus(bridge, store, names, () => evaluate(checks.readiness)),
      operations: storeOperations(store, { ...names, gapRetentionMs: config.source.gapRetentionMs }),
      token: config.server.token,
    }),
    redact: secrets,
    logger,
  });
}
