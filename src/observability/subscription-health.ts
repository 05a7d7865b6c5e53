import type { SubscriptionState } from '../source/types.js';
import type { HealthCheck, PartHealth } from './health.js';

interface Tracked {
  readonly state: SubscriptionState;
  /** Since when it has not been connected, epoch ms; undefined while connected. */
  readonly disconnectedSince: number | undefined;
  /** Why the last attempt failed, while not connected. */
  readonly lastReason: string | undefined;
}

export interface SubscriptionHealthOptions {
  /** Readiness: longer than this without being connected makes a subscription not ready, ms. */
  readonly notReadyAfterMs: number;
  /** Liveness: when none of the subscriptions held here was connected for this long, ms. */
  readonly unhealthyAfterMs: number;
  readonly now?: () => number;
}

/**
 * The state of each subscription this replica holds, and what it means for the probes.
 * Ready: each one is connected, or has been trying for less than `notReadyAfterMs` (a
 * reconnect is normal). Alive: not every one was stopped by the platform (a rejected API key),
 * and at least one was connected within `unhealthyAfterMs`, so that a bridge that can no
 * longer reach the platform (wrong base_url, a key revoked) is restarted and seen.
 */
export class SubscriptionHealth {
  readonly #o: SubscriptionHealthOptions;
  readonly #now: () => number;
  readonly #tracked = new Map<string, Tracked>();

  constructor(options: SubscriptionHealthOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  set(name: string, state: SubscriptionState): void {
    const before = this.#tracked.get(name);
    const connected = state.state === 'connected';
    this.#tracked.set(name, {
      state,
      disconnectedSince: connected ? undefined : (before?.disconnectedSince ?? this.#now()),
      lastReason: connected ? undefined : state.state === 'reconnecting' || state.state === 'stopped' ? state.reason : before?.lastReason,
    });
  }

  /** No longer held here. */
  delete(name: string): void {
    this.#tracked.delete(name);
  }

  states(): ReadonlyMap<string, SubscriptionState> {
    return new Map([...this.#tracked].map(([name, t]) => [name, t.state]));
  }

  readiness: HealthCheck = () => [...this.#tracked].map(([name, t]) => this.#readiness(`subscription ${name}`, t));

  liveness: HealthCheck = () => {
    const held = [...this.#tracked.values()];
    if (held.length === 0) return [{ part: 'subscriptions' }];
    if (held.every(isRefused)) {
      return [{ part: 'subscriptions', problem: `every subscription was stopped by the platform: ${held[0]!.lastReason}` }];
    }
    const now = this.#now();
    // The one connected most recently decides: now, while one is connected.
    const lastConnected = Math.max(...held.map((t) => t.disconnectedSince ?? now));
    if (now - lastConnected > this.#o.unhealthyAfterMs) {
      return [{ part: 'subscriptions', problem: `none connected for ${seconds(now - lastConnected)}; last: ${held.find((t) => t.lastReason)?.lastReason ?? 'connecting'}` }];
    }
    return [{ part: 'subscriptions' }];
  };

  #readiness(part: string, t: Tracked): PartHealth {
    if (isRefused(t)) return { part, problem: t.lastReason! };
    if (t.disconnectedSince === undefined || t.state.state === 'stopped') return { part };
    const forMs = this.#now() - t.disconnectedSince;
    if (forMs <= this.#o.notReadyAfterMs) return { part };
    return { part, problem: `not connected for ${seconds(forMs)}${t.lastReason ? `: ${t.lastReason}` : ''}` };
  }
}

function isRefused(t: Tracked): boolean {
  return t.state.state === 'stopped' && t.state.fatal;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
