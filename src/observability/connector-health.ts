import type { AuthFailure, CircuitState } from '../delivery/circuit.js';
import type { HealthCheck } from './health.js';

/**
 * Each connector's circuit, the last reason its deliveries failed and whether its destination
 * refuses its credentials, for `/readyz` and `/status`. Ready: the circuit is closed and the
 * credentials are accepted; otherwise the destination is failing and its events wait in the store.
 */
export class ConnectorHealth {
  readonly #circuits = new Map<string, CircuitState>();
  readonly #lastFailure = new Map<string, string>();
  /** Connectors whose destination refuses their credentials, since when and why. */
  readonly #authFailures = new Map<string, AuthFailure>();

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

  /** The destination refuses the connector's credentials (`failure`), or accepts them again (undefined). */
  authFailure(name: string, failure: AuthFailure | undefined): void {
    if (failure) this.#authFailures.set(name, failure);
    else this.#authFailures.delete(name);
  }

  circuits(): ReadonlyMap<string, CircuitState> {
    return this.#circuits;
  }

  authFailures(): ReadonlyMap<string, AuthFailure> {
    return this.#authFailures;
  }

  readiness: HealthCheck = () =>
    [...this.#circuits].map(([name, state]) => {
      const part = `connector ${name}`;
      const auth = this.#authFailures.get(name);
      if (auth) {
        return { part, problem: `auth_failed since ${new Date(auth.since).toISOString()}: ${auth.reason} (events kept; fix the credential, then SIGHUP)` };
      }
      if (state === 'closed') return { part };
      const reason = this.#lastFailure.get(name);
      return { part, problem: `circuit ${state}: deliveries are failing${reason ? ` (${reason})` : ''}; events wait in the store` };
    });
}
