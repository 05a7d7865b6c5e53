import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { ConnectorState } from '../../../connectors/types.js';
import { lastCheckpoint } from '../checkpoint.js';
import { FencedError, type CoordinationStore } from '../coordination.js';
import { FINDING_DEFAULTS, isRetained, type FindingLimits, type FindingState } from '../findings.js';
import type { Checkpoint, DeadLetters, DigestBuffer, IngestItem, IngestOptions, IngestResult, MalformedEvent, Outbox, Store } from '../types.js';
import { openConnection } from './connection.js';
import { RedisConnectorState } from './connector-state.js';
import { RedisCoordination } from './coordination.js';
import { RedisDeadLetters } from './dead-letters.js';
import { RedisDigestBuffer } from './digest-buffer.js';
import { appendIngestRuns } from './ingest-runs.js';
import { RedisKeys } from './keys.js';
import { RedisOutbox } from './outbox.js';
import { Scripts } from './scripts.js';
import { field } from './stream-entries.js';

export interface RedisStoreOptions {
  /** `redis://…`; its password is a secret: it never appears in an error or log line. */
  readonly url: string;
  /** Every key is `{<keyPrefix>}:…`. Default `s4e-bridge`. */
  readonly keyPrefix?: string;
  /**
   * This process's consumer name in the outbox groups. Keep it stable across restarts (default
   * the host name): a restarted bridge then re-reads its own unacknowledged entries at once.
   */
  readonly consumer?: string;
  /** How long an ingested event id is remembered, ms. Default 15 min (the platform replays 5). */
  readonly dedupeWindowMs?: number;
  /** Entries another consumer left idle this long are claimed, ms. Default 60 s. */
  readonly claimIdleMs?: number;
  /** Malformed events kept (approximately; for operators, not delivery). Default 10,000. */
  readonly malformedMax?: number;
  /** How long findings are remembered after last seen, and how many. Default FINDING_DEFAULTS. */
  readonly findings?: FindingLimits;
  /** Silent by default. */
  readonly logger?: Logger;
}

const DEFAULTS = {
  keyPrefix: 's4e-bridge',
  dedupeWindowMs: 15 * 60_000,
  claimIdleMs: 60_000,
  malformedMax: 10_000,
  findings: FINDING_DEFAULTS,
} as const;

/** How long ping() waits for an answer from a connected Redis, ms. */
const PING_TIMEOUT_MS = 2_000;

type Settings = Required<Omit<RedisStoreOptions, 'url'>>;

/** Connects, loads the scripts and returns the store; rejects when Redis does not answer. */
export async function createRedisStore({ url, ...options }: RedisStoreOptions): Promise<RedisStore> {
  const settings: Settings = {
    ...DEFAULTS,
    consumer: hostname(),
    logger: silentLogger,
    ...definedOnly(options),
  };
  for (const name of ['dedupeWindowMs', 'claimIdleMs', 'malformedMax'] as const) {
    if (!(settings[name] > 0)) throw new Error(`Redis store option ${name} must be positive, got ${settings[name]}`);
  }
  const keys = new RedisKeys(settings.keyPrefix);
  const redis = await openConnection(url, settings.logger);
  try {
    return new RedisStore(redis, await Scripts.define(redis), keys, settings);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}

/** The Store on Redis: streams for outboxes, dead letters and malformed events; see keys.ts. */
export class RedisStore implements Store {
  readonly #outboxes = new Map<string, RedisOutbox>();

  constructor(
    private readonly redis: Redis,
    private readonly scripts: Scripts,
    private readonly keys: RedisKeys,
    private readonly settings: Settings,
  ) {}

  /** One script call per batch, whatever its size: see lua/ingest-4.lua. */
  async ingest(subscription: string, items: readonly IngestItem[], options: IngestOptions = {}): Promise<IngestResult> {
    if (items.length === 0) return { appended: 0, duplicates: 0 };
    const { fence } = options;
    const { keys, settings } = this;
    const scriptKeys = [keys.checkpoints, keys.seen, keys.malformed, keys.fence(fence?.lease ?? subscription), keys.findings, keys.findingsLastSeen];
    const checkpoint = lastCheckpoint(items);
    const args: (string | number)[] = [
      subscription,
      checkpoint ? JSON.stringify(checkpoint) : '',
      settings.dedupeWindowMs,
      settings.malformedMax,
      fence ? String(fence.token) : '',
      settings.findings.retentionMs,
      settings.findings.maxFindings,
    ];
    appendIngestRuns(items, this.keys, scriptKeys, args);
    try {
      return await this.scripts.ingest(scriptKeys, args);
    } catch (error) {
      if (fence && (error as Error).message?.startsWith('FENCED')) throw new FencedError(fence.lease, fence.token);
      throw error;
    }
  }

  async findings(ids: readonly string[]): Promise<Map<string, FindingState>> {
    const found = new Map<string, FindingState>();
    if (ids.length === 0) return found;
    const values = await this.redis.hmget(this.keys.findings, ...ids);
    const now = Date.now();
    values.forEach((json, i) => {
      const state = json === null ? undefined : (JSON.parse(json) as FindingState);
      if (state && isRetained(state, now, this.settings.findings.retentionMs)) found.set(ids[i]!, state);
    });
    return found;
  }

  async checkpoint(subscription: string): Promise<Checkpoint | undefined> {
    const json = await this.redis.hget(this.keys.checkpoints, subscription);
    return json === null ? undefined : (JSON.parse(json) as Checkpoint);
  }

  /** One per connector and store: it tracks what this process has in flight. */
  outbox(connector: string): Outbox {
    let outbox = this.#outboxes.get(connector);
    if (!outbox) {
      const { consumer, claimIdleMs, logger } = this.settings;
      outbox = new RedisOutbox(this.redis, this.scripts, { connector, keys: this.#connectorKeys(connector), consumer, claimIdleMs, logger });
      this.#outboxes.set(connector, outbox);
    }
    return outbox;
  }

  deadLetters(connector: string): DeadLetters {
    return new RedisDeadLetters(this.redis, this.scripts, this.#connectorKeys(connector));
  }

  state(connector: string): ConnectorState {
    return new RedisConnectorState(this.redis, this.scripts, (key) => this.keys.state(connector, key));
  }

  routeState(): ConnectorState {
    return new RedisConnectorState(this.redis, this.scripts, (key) => this.keys.routeState(key));
  }

  digest(route: string): DigestBuffer {
    return new RedisDigestBuffer(this.redis, this.scripts, this.keys, route);
  }

  coordination(): CoordinationStore {
    return new RedisCoordination(this.redis, this.scripts, this.keys);
  }

  async malformed(limit: number): Promise<MalformedEvent[]> {
    if (limit < 1) return [];
    const entries = await this.redis.xrevrange(this.keys.malformed, '+', '-', 'COUNT', limit);
    return entries.map(([, fields]) => JSON.parse(field(fields, 'm') ?? 'null') as MalformedEvent);
  }

  async ping(): Promise<void> {
    // Calls wait while Redis is away (see connection.ts); a health check must not.
    if (this.redis.status !== 'ready') throw new Error(`Redis is not connected (${this.redis.status})`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer a ping within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.redis.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Disconnects at once, blocked takes included (they resolve empty); later calls reject. */
  async close(): Promise<void> {
    for (const outbox of this.#outboxes.values()) outbox.close();
    this.redis.disconnect();
  }

  #connectorKeys(connector: string): { outbox: string; deadLetters: string } {
    return { outbox: this.keys.outbox(connector), deadLetters: this.keys.deadLetters(connector) };
  }
}

/** `options` without its undefined values, so they do not override defaults. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
