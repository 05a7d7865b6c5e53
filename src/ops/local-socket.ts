import { join } from 'node:path';
import type { StoreConfig } from '../config/schema.js';

/**
 * The running bridge's local socket, for the CLI on the same host: in the embedded store's
 * directory, which only one bridge can hold at a time (with Redis, the CLI opens the store
 * itself, beside any number of bridges). Whoever may open that directory may read the store
 * anyway, so the socket needs no token.
 */
export function localSocketPath(store: StoreConfig): string | undefined {
  return store.redisUrl ? undefined : join(store.path, 'ops.sock');
}
