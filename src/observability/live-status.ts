import type { AuthFailure, CircuitState } from '../delivery/circuit.js';
import type { SubscriptionState } from '../source/types.js';
import type { Store } from '../store/types.js';
import type { Health } from './health.js';
import { readStoreSnapshot, type SnapshotNames, type StoreSnapshot } from './store-snapshot.js';

/**
 * The running bridge's `/status` document, for `s4e-bridge status`: the states only it knows,
 * and the store's figures as it reads them (the embedded store cannot be opened by another
 * process while the bridge holds it).
 */
export interface LiveStatus {
  readonly subscriptions: Readonly<Record<string, SubscriptionState>>;
  readonly circuits: Readonly<Record<string, CircuitState>>;
  /** Connectors whose destination refuses their credentials (absent from older bridges). */
  readonly authFailures?: Readonly<Record<string, AuthFailure>>;
  /** What `/readyz` says: each failing part, `part: problem`. */
  readonly readiness: { readonly ready: boolean; readonly problems: readonly string[] };
  readonly store?: StoreSnapshot;
  /** Why `store` is missing. */
  readonly storeError?: string;
}

export interface LiveStatusSource {
  subscriptionStates(): ReadonlyMap<string, SubscriptionState>;
  circuitStates(): ReadonlyMap<string, CircuitState>;
  authFailures(): ReadonlyMap<string, AuthFailure>;
}

export async function liveStatus(bridge: LiveStatusSource, store: Store, names: SnapshotNames, readiness: () => Promise<Health>): Promise<LiveStatus> {
  const ready = await readiness();
  const states = {
    subscriptions: Object.fromEntries(bridge.subscriptionStates()),
    circuits: Object.fromEntries(bridge.circuitStates()),
    authFailures: Object.fromEntries(bridge.authFailures()),
    readiness: { ready: ready.ok, problems: ready.parts.flatMap((p) => (p.problem === undefined ? [] : [`${p.part}: ${p.problem}`])) },
  };
  try {
    return { ...states, store: await readStoreSnapshot(store, names) };
  } catch (error) {
    return { ...states, storeError: (error as Error).message };
  }
}
