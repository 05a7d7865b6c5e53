import type { SubscriptionState } from '../source/types.js';
import type { Logger } from './logger.js';
import type { MetricsSummary } from './metrics.js';
import type { StoreSnapshot } from './store-snapshot.js';

export interface SummaryLogOptions {
  /** `log.summary_interval`; 0: no summary lines. */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** The counters so far (BridgeMetrics.summary). */
  totals(): Promise<MetricsSummary>;
  /** The store's figures (backlogs); rejects when the store does not answer. */
  snapshot(): Promise<StoreSnapshot>;
  subscriptions(): ReadonlyMap<string, SubscriptionState>;
}

/**
 * One info line every `log.summary_interval`: events received and, per connector, delivered,
 * dead-lettered and still waiting, so that a quiet log says "nothing happened", never "is it
 * stuck?" (the metrics say the same to Prometheus).
 */
export class SummaryLog {
  readonly #o: SummaryLogOptions;
  #timer: NodeJS.Timeout | undefined;
  #last: MetricsSummary | undefined;
  #lastAt = Date.now();

  constructor(options: SummaryLogOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#o.intervalMs <= 0 || this.#timer) return;
    void this.#o.totals().then((t) => (this.#last ??= t));
    this.#timer = setInterval(() => void this.write().catch(() => undefined), this.#o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Logs the line for the time since the previous one. */
  async write(): Promise<void> {
    const [totals, snapshot] = await Promise.all([this.#o.totals(), this.#o.snapshot().catch(() => undefined)]);
    const now = Date.now();
    const since = this.#last;
    const seconds = Math.round((now - this.#lastAt) / 1000);
    this.#last = totals;
    this.#lastAt = now;
    const received = totals.received - (since?.received ?? 0);
    const connectors = Object.fromEntries(
      [...totals.byConnector].map(([name, t]) => {
        const before = since?.byConnector.get(name);
        const backlog = snapshot?.connectors.find((c) => c.name === name)?.backlog;
        const counts: { delivered: number; deadLettered: number; backlog?: number; oldestAgeS?: number } = {
          delivered: t.delivered - (before?.delivered ?? 0),
          deadLettered: t.deadLettered - (before?.deadLettered ?? 0),
        };
        if (backlog) Object.assign(counts, { backlog: backlog.count, oldestAgeS: Math.round(backlog.oldestAgeMs / 1000) });
        return [name, counts];
      }),
    );
    const parts = Object.entries(connectors).map(([name, c]) => {
      const waiting = c.backlog === undefined ? 'backlog unknown: the store does not answer' : `backlog ${c.backlog}${c.backlog > 0 ? `, oldest ${c.oldestAgeS} s` : ''}`;
      return `${name} delivered ${c.delivered}${c.deadLettered > 0 ? `, dead-lettered ${c.deadLettered}` : ''} (${waiting})`;
    });
    const subscriptions = Object.fromEntries([...this.#o.subscriptions()].map(([name, s]) => [name, s.state]));
    this.#o.logger.info({ intervalS: seconds, received, subscriptions, connectors }, `in the last ${seconds} s: received ${received}; ${parts.join('; ')}`);
  }
}
