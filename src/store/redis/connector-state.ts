import type { Redis } from 'ioredis';
import type { ConnectorState } from '../../../connectors/types.js';
import type { Scripts } from './scripts.js';

/**
 * Durable key-value state (a connector's, or the routes'): one Redis string per key, shared
 * by every replica. `keyOf` names the Redis key of a state key (see keys.ts).
 */
export class RedisConnectorState implements ConnectorState {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: Scripts,
    private readonly keyOf: (key: string) => string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.#key(key))) ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) await this.redis.set(this.#key(key), value);
    else await this.redis.set(this.#key(key), value, 'PX', px(ttlMs));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.#key(key), value, 'PX', px(ttlMs), 'NX')) === 'OK';
  }

  async delete(key: string, ifValue?: string): Promise<void> {
    if (ifValue === undefined) await this.redis.del(this.#key(key));
    else await this.scripts.deleteIfValue(this.#key(key), ifValue);
  }

  #key(key: string): string {
    return this.keyOf(key);
  }
}

/** PX takes a whole number of ms, at least 1. */
function px(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}
