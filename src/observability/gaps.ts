import type { ConnectorState } from '../../connectors/types.js';
import type { Store } from '../store/types.js';
import type { HealthCheck } from './health.js';

/**
 * A time during which events may have been missed: the subscription resumed from a checkpoint
 * older than the platform's replay buffer. Event ids are opaque, so how many is unknown; the
 * window is what an operator can act on (re-run a search, ask the platform).
 */
export interface Gap {
  readonly subscription: string;
  /** When the checkpointed event was received: what came after it may be missing, epoch ms. */
  readonly from: number;
  /** When the stream was resumed, epoch ms. */
  readonly until: number;
  readonly checkpoint: string;
  /** `off`: backfill.enabled is false; `pending`: a backfill is scheduled or running; `failed`. */
  readonly backfill: 'off' | 'pending' | 'failed';
  readonly reportedAt: number;
}

/**
 * Open gaps, kept in the store (`state` of the pseudo-connector `_gaps`, which no configured
 * name can clash with), so that they survive a restart and every replica and `status` see them.
 * A gap stays open until acknowledged, backfilled, or `retentionMs` after it was reported.
 */
export class GapLog {
  readonly #store: Pick<Store, 'state' | 'ping'>;
  readonly #state: ConnectorState;
  readonly #subscriptions: readonly string[];
  readonly #retentionMs: number;

  constructor(store: Pick<Store, 'state' | 'ping'>, subscriptions: readonly string[], retentionMs: number) {
    this.#store = store;
    this.#state = store.state(GAPS_STATE);
    this.#subscriptions = subscriptions;
    this.#retentionMs = retentionMs;
  }

  /** Records a gap; one still open for the subscription widens to cover both. */
  async record(gap: Omit<Gap, 'reportedAt'>, now = Date.now()): Promise<Gap> {
    const open = await this.#get(gap.subscription);
    const merged: Gap = open
      ? { ...gap, from: Math.min(open.from, gap.from), until: Math.max(open.until, gap.until), checkpoint: open.from <= gap.from ? open.checkpoint : gap.checkpoint, reportedAt: now }
      : { ...gap, reportedAt: now };
    await this.#state.set(merged.subscription, JSON.stringify(merged), this.#retentionMs);
    return merged;
  }

  /**
   * A backfill of the window up to `until` ended: done closes the pending gaps it covered (what
   * the Scans API can give back was given), failed leaves them open, marked failed.
   */
  async backfilled(until: number, done: boolean): Promise<void> {
    for (const gap of await this.list()) {
      if (gap.backfill !== 'pending' || gap.until > until) continue;
      if (done) await this.#state.delete(gap.subscription);
      else await this.#state.set(gap.subscription, JSON.stringify({ ...gap, backfill: 'failed' }), Math.max(1, gap.reportedAt + this.#retentionMs - Date.now()));
    }
  }

  /** Open gaps, in the config's order of subscriptions. */
  list(): Promise<Gap[]> {
    return openGaps(this.#store, this.#subscriptions);
  }

  /** Closes the open gaps of `subscriptions` (all when absent); returns those it closed. */
  async acknowledge(subscriptions?: readonly string[]): Promise<Gap[]> {
    const closing = (await this.list()).filter((g) => subscriptions === undefined || subscriptions.includes(g.subscription));
    for (const gap of closing) await this.#state.delete(gap.subscription);
    return closing;
  }

  /** Each open gap is a part not ready; none when the store does not answer (its own check says so). */
  readiness: HealthCheck = async () => {
    try {
      await this.#store.ping();
    } catch {
      return [];
    }
    return (await this.list()).map((gap) => ({ part: `gap ${gap.subscription}`, problem: describeGap(gap) }));
  };

  async #get(subscription: string): Promise<Gap | undefined> {
    return (await openGaps(this.#store, [subscription]))[0];
  }
}

/** The open gaps of `subscriptions` in a store, for readers that record none (`status`, metrics). */
export async function openGaps(store: Pick<Store, 'state'>, subscriptions: readonly string[]): Promise<Gap[]> {
  const state = store.state(GAPS_STATE);
  const gaps = await Promise.all(subscriptions.map(async (s) => state.get(s)));
  return gaps.filter((json): json is string => json !== undefined).map((json) => JSON.parse(json) as Gap);
}

/** One line for `/readyz` and logs. */
export function describeGap(gap: Gap): string {
  const backfill = { off: 'backfill is off', pending: 'a backfill is under way', failed: 'the backfill failed' }[gap.backfill];
  return (
    `events from ${new Date(gap.from).toISOString()} to ${new Date(gap.until).toISOString()} may have been missed ` +
    `(checkpoint ${gap.checkpoint} was older than the replay buffer; ${backfill}); \`s4e-bridge gaps ack\` acknowledges it`
  );
}

const GAPS_STATE = '_gaps';
