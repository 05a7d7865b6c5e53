import type { Logger } from '../../observability/logger.js';
import { BacklogFullError } from '../errors.js';
import type { BacklogLimit, BacklogUsage } from '../types.js';
import { Tally } from './tally.js';

/** Share of `max_backlog` at which the warning is logged. */
const WARN_AT = 0.8;
/**
 * Share below which the warning is armed again: a backlog hovering around 80 % (a sink that
 * only just keeps up) must not log on every ingest and ack.
 */
const REARM_BELOW = 0.7;

type Level = 'ok' | 'warned' | 'full';

/**
 * The outboxes' entries and bytes, kept in memory (this process is the only writer; they are
 * counted from the database at open), and `max_backlog` enforced against them.
 */
export class BacklogMeter {
  readonly #entries = new Tally();
  readonly #bytes = new Tally();
  #level: Level = 'ok';

  constructor(
    private readonly limit: BacklogLimit | undefined,
    private readonly logger: Logger,
  ) {}

  /** Entries waiting or in flight in one outbox. */
  count(connector: string): number {
    return this.#entries.get(connector);
  }

  /** `count` entries of `bytes` in all were added to (negative: removed from) an outbox. */
  change(connector: string, count: number, bytes: number): void {
    this.#entries.add(connector, count);
    this.#bytes.add(connector, bytes);
    this.#observe();
  }

  usage(): BacklogUsage {
    return { events: this.#entries.total, bytes: this.#bytes.total, limit: this.limit };
  }

  /** Throws BacklogFullError while the backlog is at its limit. */
  assertRoom(): void {
    if (this.limit && this.#fill() >= 1) throw new BacklogFullError({ ...this.usage(), limit: this.limit });
  }

  /** Logs each crossing of the thresholds once. */
  #observe(): void {
    if (!this.limit) return;
    const fill = this.#fill();
    const level: Level = fill >= 1 ? 'full' : fill >= WARN_AT || (this.#level !== 'ok' && fill >= REARM_BELOW) ? 'warned' : 'ok';
    if (level === this.#level) return;
    const details = { ...this.usage(), percent: Math.round(fill * 100) };
    if (level === 'full') {
      this.logger.error(details, 'STORE BACKLOG FULL (store.max_backlog): the bridge stops reading the event stream until the connectors catch up; the platform replays from the checkpoint then');
    } else if (level === 'warned' && this.#level === 'ok') {
      this.logger.warn(details, `STORE BACKLOG AT ${details.percent} % of store.max_backlog: at 100 % the bridge stops reading the event stream`);
    } else if (this.#level === 'full') {
      this.logger.info(details, 'store backlog below store.max_backlog again: reading the event stream resumes');
    }
    this.#level = level;
  }

  #fill(): number {
    if (!this.limit) return 0;
    return (this.limit.unit === 'events' ? this.#entries.total : this.#bytes.total) / this.limit.max;
  }
}
