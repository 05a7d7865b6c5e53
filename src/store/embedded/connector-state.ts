import type { ConnectorState } from '../../../connectors/types.js';
import type { EmbeddedContext } from './context.js';

/** A state value as stored: the value and, with a TTL, when it expires (epoch ms). */
interface StoredValue {
  readonly v: string;
  readonly x?: number;
}

/** The value a stored JSON holds, undefined when absent or expired. */
export function liveValue(json: string | undefined, now = Date.now()): string | undefined {
  if (json === undefined) return undefined;
  const stored = JSON.parse(json) as StoredValue;
  return stored.x !== undefined && stored.x <= now ? undefined : stored.v;
}

/**
 * Durable key-value state (a connector's, or the routes'): one record per key, named by
 * `keyOf` (see keys.ts). Expired values read as absent; the sweep deletes them. Writes are
 * fsync'd: a connector acts on them (Jira: this finding has its issue).
 */
export class EmbeddedConnectorState implements ConnectorState {
  constructor(
    private readonly context: EmbeddedContext,
    private readonly keyOf: (key: string) => string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return liveValue(await this.context.db.get(this.keyOf(key)));
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.context.writer.run(() => this.#put(key, value, ttlMs));
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.context.writer.run(async () => {
      if ((await this.get(key)) !== undefined) return false;
      await this.#put(key, value, ttlMs);
      return true;
    });
  }

  delete(key: string, ifValue?: string): Promise<void> {
    return this.context.writer.run(async () => {
      if (ifValue !== undefined && (await this.get(key)) !== ifValue) return;
      await this.context.writer.commit([{ type: 'del', key: this.keyOf(key) }], true);
    });
  }

  #put(key: string, value: string, ttlMs: number | undefined): Promise<void> {
    const stored: StoredValue = ttlMs === undefined ? { v: value } : { v: value, x: Date.now() + ttlMs };
    return this.context.writer.commit([{ type: 'put', key: this.keyOf(key), value: JSON.stringify(stored) }], true);
  }
}
