import { existsSync } from 'node:fs';
import type { BridgeConfig } from '../config/load.js';
import { BridgeClient, BridgeRequestError, bridgeOperations } from '../ops/client.js';
import { localSocketPath } from '../ops/local-socket.js';
import { storeOperations, type Operations } from '../ops/operations.js';
import { StoreInUseError } from '../store/errors.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { cliLogger } from './cli-logger.js';
import { defaultEndpoint } from './endpoint.js';

/**
 * Runs `use` with the operations on the config's store: on the store itself when this process
 * can open it (Redis always; the embedded store when no bridge runs), else through the running
 * bridge that holds it: its local socket on this host, or its operations endpoint with
 * `server.token`. `endpoint` asks a bridge there directly (another host, a container).
 */
export async function withOperations<T>(config: BridgeConfig, endpoint: string | undefined, use: (operations: Operations) => Promise<T>): Promise<T> {
  if (endpoint !== undefined) return throughBridge(new BridgeClient({ url: endpoint, token: config.server.token }), undefined, use);
  // Store warnings (Redis lost) go to stderr, so stdout stays the command's answer.
  const logger = cliLogger(config.secrets);
  let store: Store;
  try {
    store = await openStore(config.store, logger);
  } catch (error) {
    if (!(error instanceof StoreInUseError)) throw error;
    return throughBridge(holder(config, error), error, use);
  }
  try {
    return await use(storeOperations(store, { connectors: config.connectors.map((c) => c.name), subscriptions: config.subscriptions.map((s) => s.name), gapRetentionMs: config.source.gapRetentionMs }));
  } finally {
    await store.close();
  }
}

/** The bridge that holds the embedded store: its socket when there, else its endpoint. */
function holder(config: BridgeConfig, inUse: StoreInUseError): BridgeClient {
  const socket = localSocketPath(config.store);
  if (socket !== undefined && existsSync(socket)) return new BridgeClient({ socket });
  const url = defaultEndpoint(config);
  if (url === undefined) {
    throw new Error(`${heldBy(inUse)}, and neither its local socket (${socket}) nor its operations endpoint (server.enabled is false) is there to ask; stop it, or enable server`);
  }
  return new BridgeClient({ url, token: config.server.token });
}

async function throughBridge<T>(client: BridgeClient, inUse: StoreInUseError | undefined, use: (operations: Operations) => Promise<T>): Promise<T> {
  try {
    return await use(bridgeOperations(client));
  } catch (error) {
    if (!(error instanceof BridgeRequestError)) throw error;
    const asked = inUse ? `${heldBy(inUse)}; asked through ${client.where}` : `asked the bridge at ${client.where}`;
    throw new Error(`${asked}: ${error.message}${hint(error, client)}`);
  }
}

function heldBy(inUse: StoreInUseError): string {
  return `the store at ${inUse.path} is held by the running bridge (pid ${inUse.pid ?? 'unknown'})`;
}

function hint(error: BridgeRequestError, client: BridgeClient): string {
  if (error.status === undefined) return 'socket' in client.target ? '' : ': is it running there (server.listen, or pass --endpoint)?';
  if (error.status === 401) return ' (this config\'s server.token is not the one the bridge runs with)';
  return '';
}
