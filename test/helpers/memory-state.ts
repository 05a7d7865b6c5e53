import type { ConnectorState } from '../../connectors/types.js';

/**
 * ConnectorState in memory, for connector unit tests; the stores' own tests cover the real
 * ones. Each method does its check and write in one synchronous step, so `setIfAbsent` is a
 * real lock even under concurrent calls.
 */
export class MemoryState implements ConnectorState {
  readonly #values = new Map<string, { value: string; expiresAt: number }>();

  async get(key: string): Promise<string | undefined> {
    return this.#live(key);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.#values.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : Date.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false;
    this.#values.set(key, { value, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async delete(key: string, ifValue?: string): Promise<void> {
    if (ifValue === undefined || this.#live(key) === ifValue) this.#values.delete(key);
  }

  #live(key: string): string | undefined {
    const entry = this.#values.get(key);
    if (entry && entry.expiresAt <= Date.now()) this.#values.delete(key);
    return this.#values.get(key)?.value;
  }
}
