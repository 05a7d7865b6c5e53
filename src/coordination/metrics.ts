import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Metrics of the connection budget (replicas, progress streams, backfill), registered beside the
 * bridge's own in its registry. Labels hold names and reason codes only.
 */
export class BudgetMetrics {
  readonly #held: Gauge;
  readonly #replicas: Gauge;
  readonly #streams: Gauge;
  readonly #queued: Gauge;
  readonly #lagged: Counter;
  readonly #followed: Counter<'outcome'>;
  readonly #backfilled: Counter;
  readonly #backfills: Counter<'outcome'>;

  constructor(registry?: Registry) {
    const registers = registry ? [registry] : [];
    this.#held = new Gauge({ name: 's4e_bridge_subscriptions_held', help: 'Subscriptions this replica holds (their leases are its own).', registers });
    this.#replicas = new Gauge({ name: 's4e_bridge_replicas', help: 'Live replicas sharing the store, as this one last counted them.', registers });
    this.#streams = new Gauge({ name: 's4e_bridge_progress_streams', help: 'Scan progress streams this replica has open.', registers });
    this.#queued = new Gauge({ name: 's4e_bridge_progress_queue', help: 'Scans waiting for a free connection to follow their progress (all replicas).', registers });
    this.#lagged = new Counter({ name: 's4e_bridge_progress_lagged_total', help: 'Progress events the platform skipped for a lagging stream (its lag notices).', registers });
    this.#followed = new Counter({
      name: 's4e_bridge_progress_scans_total',
      help: 'Scans whose progress streams ended: finished (terminal event), gone (404), refused (401/403).',
      labelNames: ['outcome'],
      registers,
    });
    this.#backfilled = new Counter({ name: 's4e_bridge_backfilled_events_total', help: 'Events emitted by gap backfills (finding.new, scan.completed, scan.failed).', registers });
    this.#backfills = new Counter({ name: 's4e_bridge_backfills_total', help: 'Gap backfills run, by outcome (done, failed).', labelNames: ['outcome'], registers });
  }

  assignment(held: number, replicas: number): void {
    this.#held.set(held);
    this.#replicas.set(replicas);
  }

  progressStreams(open: number, queued?: number): void {
    this.#streams.set(open);
    if (queued !== undefined) this.#queued.set(queued);
  }

  lagged(skipped: number): void {
    this.#lagged.inc(skipped);
  }

  scanFollowed(outcome: 'finished' | 'gone' | 'refused'): void {
    this.#followed.inc({ outcome });
  }

  backfilled(n: number): void {
    this.#backfilled.inc(n);
  }

  backfill(outcome: 'done' | 'failed'): void {
    this.#backfills.inc({ outcome });
  }
}
