import type { Connector } from '../../connectors/types.js';

/**
 * The connector a worker delivers through, replaceable while it runs (new credentials on
 * SIGHUP): an attempt keeps the connector it started with, and one that was replaced is closed
 * when its last attempt ends, so no request is cut for the swap.
 */
export class ConnectorSlot {
  #current: Connector;
  readonly #attempts = new Map<Connector, number>();
  readonly #retired = new Set<Connector>();

  constructor(connector: Connector) {
    this.#current = connector;
  }

  get current(): Connector {
    return this.#current;
  }

  /** Runs one attempt with the current connector. */
  async use<T>(attempt: (connector: Connector) => Promise<T>): Promise<T> {
    const connector = this.#current;
    this.#attempts.set(connector, (this.#attempts.get(connector) ?? 0) + 1);
    try {
      return await attempt(connector);
    } finally {
      const left = this.#attempts.get(connector)! - 1;
      if (left > 0) this.#attempts.set(connector, left);
      else {
        this.#attempts.delete(connector);
        if (this.#retired.delete(connector)) void connector.close().catch(() => {});
      }
    }
  }

  /** Puts `next` in place for the attempts to come; the old one closes once idle. */
  replace(next: Connector): void {
    const old = this.#current;
    this.#current = next;
    if (this.#attempts.has(old)) this.#retired.add(old);
    else void old.close().catch(() => {});
  }
}
