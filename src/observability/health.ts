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
}

/**
 * Ready: the store answers and no subscription was stopped by the platform (a rejected API
 * key). A reconnecting subscription is still ready: it heals by itself, a restart would not help.
 */
export async function readiness({ store, subscriptions }: ReadinessInputs): Promise<Readiness> {
  const problems: string[] = [];
  try {
    await store.ping();
  } catch (error) {
    problems.push(`store: ${(error as Error).message}`);
  }
  for (const [name, state] of subscriptions) {
    if (state.state === 'stopped' && state.fatal) problems.push(`subscription ${name}: ${state.reason}`);
  }
  return { ready: problems.length === 0, problems };
}
