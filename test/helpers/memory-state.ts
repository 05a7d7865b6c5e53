import type { ConnectorState } from '../../connectors/types.js';

/** ConnectorState in memory, for connector unit tests; the stores' own tests cover the real ones. */
export class MemoryState implements ConnectorState {
  readonly #values = new Map<string, { value: string; expiresAt: number }>();

  async get(key: string): Promise<string | undefined> {
    const entry = this.#values.get(key);
    if (entry && entry.expiresAt <= Date.now()) this.#values.delete(key);
    return this.#values.get(key)?.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.#values.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : Date.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if ((await this.get(key)) !== undefined) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async delete(key: string, ifValue?: string): Promise<void> {
    if (ifValue === undefined || (await this.get(key)) === ifValue) this.#values.delete(key);
  }
}
