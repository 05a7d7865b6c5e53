import type { OutboxEntry } from '../store/types.js';
import type { AuthFailure, CircuitState } from './circuit.js';

/** Hooks a delivery worker calls as it goes, for metrics. Each is optional. */
export interface DeliveryEvents {
  /** `count` events were acked; `latenciesMs` holds, per event, the time since the bridge received it. */
  onDelivered?(count: number, latenciesMs: readonly number[]): void;
  /** A batch (or what is left of it) will be sent again after `delayMs`. */
  onRetry?(reason: string, delayMs: number): void;
  onDeadLettered?(entry: OutboxEntry, reason: string): void;
  /** The connector's circuit breaker changed state. */
  onCircuit?(state: CircuitState): void;
  /** The destination started refusing the credentials (`auth_failed`), or (undefined) took them again. */
  onAuthFailure?(failure: AuthFailure | undefined): void;
}
