import type { ConnectorState } from '../../../connectors/types.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import { FencedError, type CoordinationStore } from '../coordination.js';
import { FINDING_DEFAULTS, type FindingLimits, type FindingState } from '../findings.js';
import type { BacklogLimit, BacklogUsage, Checkpoint, DeadLetters, DigestBuffer, IngestItem, IngestOptions, IngestResult, MalformedEvent, Outbox, Store } from '../types.js';
import { BacklogMeter } from './backlog-meter.js';
import { census, type Census } from './census.js';
import { EmbeddedConnectorState } from './connector-state.js';
import { EmbeddedCoordination } from './coordination.js';
import { RefSequence, type EmbeddedContext } from './context.js';
import { openDatabase, type Database } from './database.js';
import { EmbeddedDeadLetters } from './dead-letters.js';
import { EmbeddedDigestBuffer } from './digest-buffer.js';
import { EmbeddedFindings } from './findings.js';
import { ingestBatch } from './ingest.js';
import { keys, prefixes, under } from './keys.js';
import { EmbeddedOutbox } from './outbox.js';
import { sweep } from './sweep.js';
import { Writer } from './writer.js';

export interface EmbeddedStoreOptions {
  /** The database's directory, made when missing; one process at a time may open it. */
  readonly path: string;
  /** At this backlog ingest rejects (BacklogFullError), with a warning at 80 %. Default: no cap. */
  readonly maxBacklog?: BacklogLimit;
  /** How long an ingested event id is remembered, ms. Default 15 min (the platform replays 5). */
  readonly dedupeWindowMs?: number;
  /** Malformed events kept (approximately; for operators, not delivery). Default 10,000. */
  readonly malformedMax?: number;
  /** How often expired dedupe ids, state values and findings are deleted (reads ignore them anyway), ms. Default 60 s. */
  readonly sweepIntervalMs?: number;
  /** How long findings are remembered after last seen, and how many. Default FINDING_DEFAULTS. */
  readonly findings?: FindingLimits;
  /** Silent by default. */
  readonly logger?: Logger;
}

const DEFAULTS = { dedupeWindowMs: 15 * 60_000, malformedMax: 10_000, sweepIntervalMs: 60_000 } as const;

type Settings = { readonly [name in keyof typeof DEFAULTS]: number };

/**
 * Opens the store at `path`: counts what it holds and returns it. Rejects with StoreInUseError
 * when another process (or this one) has it open.
 */
export async function createEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const settings: Settings = {
    dedupeWindowMs: options.dedupeWindowMs ?? DEFAULTS.dedupeWindowMs,
    malformedMax: options.malformedMax ?? DEFAULTS.malformedMax,
    sweepIntervalMs: options.sweepIntervalMs ?? DEFAULTS.sweepIntervalMs,
  };
  for (const [name, value] of Object.entries({ ...settings, maxBacklog: options.maxBacklog?.max ?? 1 })) {
    if (!(value > 0)) throw new Error(`Embedded store option ${name} must be positive, got ${value}`);
  }
  const logger = options.logger ?? silentLogger;
  const { db, release } = await openDatabase(options.path);
  try {
    const meter = new BacklogMeter(options.maxBacklog, logger);
    const counted = await census(db, meter);
    const findings = { limits: options.findings ?? FINDING_DEFAULTS, count: await EmbeddedFindings.count(db) };
    return new EmbeddedStore({ db, meter, logger, census: counted, release, findings }, settings);
  } catch (error) {
    await db.close();
    release();
    throw error;
  }
}

/**
 * The Store in one LevelDB database (see keys.ts), for a single process: every write goes
 * through one Writer, ingest is one fsync'd batch, and what can be counted is counted in memory.
 */
export class EmbeddedStore implements Store {
  readonly #context: EmbeddedContext;
  readonly #outboxes = new Map<string, EmbeddedOutbox>();
  readonly #release: () => void;
  readonly #sweeps = new AbortController();
  readonly #sweepTimer: NodeJS.Timeout;
  #sweeping: Promise<void> = Promise.resolve();
  #malformed: number;
  readonly #findings: EmbeddedFindings;
  #coordination: EmbeddedCoordination | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    opened: { db: Database; meter: BacklogMeter; logger: Logger; census: Census; release: () => void; findings: { limits: FindingLimits; count: number } },
    private readonly settings: Settings,
  ) {
    const { db, meter, logger, census: counted } = opened;
    this.#context = {
      db,
      writer: new Writer(db),
      refs: new RefSequence(counted.sequence),
      meter,
      deadLetters: counted.deadLetters,
      logger,
      arrived: (connector) => this.#outboxes.get(connector)?.arrived(),
    };
    this.#malformed = counted.malformed;
    this.#findings = new EmbeddedFindings(this.#context, opened.findings.limits, opened.findings.count);
    this.#release = opened.release;
    this.#sweepTimer = setInterval(() => {
      this.#sweeping = this.#sweeping
        .then(() => sweep(this.#context, settings.dedupeWindowMs, this.#sweeps.signal))
        .then(() => this.#findings.sweep(this.#sweeps.signal))
        .catch((error: Error) => logger.warn({ err: error.message }, 'could not delete expired store records'));
    }, settings.sweepIntervalMs).unref();
  }

  ingest(subscription: string, items: readonly IngestItem[], options: IngestOptions = {}): Promise<IngestResult> {
    if (items.length === 0) return Promise.resolve({ appended: 0, duplicates: 0 });
    const { fence } = options;
    return this.#context.writer.run(async () => {
      // Leases are this process's own: the check and the write are one step inside the writer.
      if (fence && this.coordination().currentToken(fence.lease) !== fence.token) throw new FencedError(fence.lease, fence.token);
      const { malformed, ...result } = await ingestBatch(this.#context, this.settings, subscription, items, this.#malformed, this.#findings);
      this.#malformed = malformed;
      return result;
    });
  }

  findings(ids: readonly string[]): Promise<Map<string, FindingState>> {
    return this.#findings.read(ids);
  }

  async checkpoint(subscription: string): Promise<Checkpoint | undefined> {
    const json = await this.#context.db.get(keys.checkpoint(subscription));
    return json === undefined ? undefined : (JSON.parse(json) as Checkpoint);
  }

  /** One per connector and store: it knows what this process has handed out. */
  outbox(connector: string): Outbox {
    let outbox = this.#outboxes.get(connector);
    if (!outbox) {
      outbox = new EmbeddedOutbox(this.#context, connector);
      this.#outboxes.set(connector, outbox);
    }
    return outbox;
  }

  deadLetters(connector: string): DeadLetters {
    return new EmbeddedDeadLetters(this.#context, connector);
  }

  state(connector: string): ConnectorState {
    return new EmbeddedConnectorState(this.#context, (key) => keys.state(connector, key));
  }

  routeState(): ConnectorState {
    return new EmbeddedConnectorState(this.#context, keys.routeState);
  }

  digest(route: string): DigestBuffer {
    return new EmbeddedDigestBuffer(this.#context, route);
  }

  coordination(): CoordinationStore & EmbeddedCoordination {
    this.#coordination ??= new EmbeddedCoordination(this.#context);
    return this.#coordination;
  }

  async malformed(limit: number): Promise<MalformedEvent[]> {
    if (limit < 1) return [];
    const values = await this.#context.db.values({ ...under(prefixes.malformed), reverse: true, limit }).all();
    return values.map((json) => JSON.parse(json) as MalformedEvent);
  }

  async ping(): Promise<void> {
    if (this.#closing) throw new Error('The store is closed');
    await this.#context.db.get(keys.sequence);
  }

  backlogUsage(): BacklogUsage {
    return this.#context.meter.usage();
  }

  /** Cuts blocked takes short (they resolve empty), lets queued writes finish, closes the database. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#sweepTimer);
      this.#sweeps.abort();
      for (const outbox of this.#outboxes.values()) outbox.close();
      await Promise.all([this.#sweeping, this.#context.writer.idle()]);
      await this.#context.db.close();
      this.#release();
    })();
    return this.#closing;
  }
}
