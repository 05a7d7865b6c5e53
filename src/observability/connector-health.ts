import type { CircuitState } from '../delivery/circuit.js';
import type { HealthCheck } from './health.js';

/**
 * Each connector's circuit and the last reason its deliveries failed, for `/readyz` and
 * `/status`. Ready: the circuit is closed; an open (or probing) circuit means the destination
 * is failing, its events wait in the store.
 */
export class ConnectorHealth {
  readonly #circuits = new Map<string, CircuitState>();
  readonly #lastFailure = new Map<string, string>();

  constructor(connectors: readonly string[]) {
    for (const name of connectors) this.#circuits.set(name, 'closed');
  }

  circuit(name: string, state: CircuitState): void {
    this.#circuits.set(name, state);
    if (state === 'closed') this.#lastFailure.delete(name);
  }

  /** An attempt failed and will be retried. */
  failed(name: string, reason: string): void {
    this.#lastFailure.set(name, reason);
  }

  circuits(): ReadonlyMap<string, CircuitState> {
    return this.#circuits;
  }

  readiness: HealthCheck = () =>
    [...this.#circuits].map(([name, state]) => {
      const part = `connector ${name}`;
      if (state === 'closed') return { part };
      const reason = this.#lastFailure.get(name);
      return { part, problem: `circuit ${state}: deliveries are failing${reason ? ` (${reason})` : ''}; events wait in the store` };
    });
}
