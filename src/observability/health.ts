import type { AuthFailure } from '../delivery/circuit.js';
import type { SubscriptionState } from '../source/types.js';
import type { Store } from '../store/types.js';

export interface Readiness {
  readonly ready: boolean;
  /** One line per problem, for the operator reading /readyz; empty when ready. */
  readonly problems: readonly string[];
}

export interface ReadinessInputs {
  readonly store: Pick<Store, 'ping'>;
  readonly subscriptions: ReadonlyMap<string, SubscriptionState>;
  /** Connectors whose destination refuses their credentials. */
  readonly authFailures?: ReadonlyMap<string, AuthFailure>;
}

/**
 * Ready: the store answers, no subscription was stopped by the platform (a rejected API key)
 * and no destination refuses its connector's credentials. A reconnecting subscription is still
 * ready: it heals by itself, a restart would not help.
 */
export async function readiness({ store, subscriptions, authFailures = new Map() }: ReadinessInputs): Promise<Readiness> {
  const problems: string[] = [];
  try {
    await store.ping();
  } catch (error) {
    problems.push(`store: ${(error as Error).message}`);
  }
  for (const [name, state] of subscriptions) {
    if (state.state === 'stopped' && state.fatal) problems.push(`subscription ${name}: ${state.reason}`);
  }
  for (const [name, { reason, since }] of authFailures) {
    problems.push(`connector ${name}: auth_failed since ${new Date(since).toISOString()}: ${reason} (events kept; fix the credential, then SIGHUP)`);
  }
  return { ready: problems.length === 0, problems };
}
