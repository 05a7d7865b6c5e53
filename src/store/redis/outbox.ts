import type { Redis } from 'ioredis';
import type { Logger } from '../../observability/logger.js';
import { decodeStoredEnvelope } from '../../pipeline/envelope-json.js';
import type { Backlog, DeliveryFailure, Outbox, OutboxEntry } from '../types.js';
import { execChecked, openBlockingConnection } from './connection.js';
import { deadLetterFields } from './dead-letters.js';
import { DELIVERY_GROUP } from './keys.js';
import type { Scripts } from './scripts.js';
import { entryTime, field, readGroupEntries, type StreamEntry } from './stream-entries.js';
import { Serial } from '../serial.js';

/** XAUTOCLAIM scans the group's whole pending list, so it runs at most this often. */
const MAX_CLAIM_INTERVAL_MS = 5_000;

export interface RedisOutboxOptions {
  readonly connector: string;
  readonly keys: { readonly outbox: string; readonly deadLetters: string };
  readonly consumer: string;
  /** Entries another consumer left idle this long are claimed. */
  readonly claimIdleMs: number;
  readonly logger: Logger;
}

/**
 * One connector's outbox: a stream read through the DELIVERY_GROUP consumer group, so an
 * entry stays pending (owned by the consumer that took it) until acked or dead-lettered.
 */
export class RedisOutbox implements Outbox {
  readonly #key: string;
  /** Refs handed out by take() and not yet acked or dead-lettered: never handed out twice. */
  readonly #inFlight = new Set<string>();
  /**
   * Where re-reading this consumer's own pending entries (taken before a crash) goes on;
   * undefined once read through. Read once per process: after that, the pending entries are
   * the ones in flight here.
   */
  #pendingCursor: string | undefined = '0';
  #claimCursor = '0-0';
  #claimDueAt = 0;
  #group: Promise<void> | undefined;
  /** Blocking reads hold their connection while they wait, so they get one of their own. */
  #blocking: Redis | undefined;
  #keepAlive: NodeJS.Timeout | undefined;
  #touching = false;
  /** take() calls run one after another: they share the cursors and the blocking connection. */
  readonly #takes = new Serial();
  #closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly scripts: Scripts,
    private readonly options: RedisOutboxOptions,
  ) {
    this.#key = options.keys.outbox;
  }

  take(max: number, blockMs: number): Promise<OutboxEntry[]> {
    return this.#takes.run(() => this.#take(max, blockMs));
  }

  async ack(refs: readonly string[]): Promise<void> {
    if (refs.length === 0) return;
    // Deleted at once, not only acknowledged: XLEN stays the backlog and memory is freed.
    await execChecked(this.redis.multi().xack(this.#key, DELIVERY_GROUP, ...refs).xdel(this.#key, ...refs));
    for (const ref of refs) this.#inFlight.delete(ref);
  }

  async deadLetter(entry: OutboxEntry, failure: DeliveryFailure): Promise<void> {
    const { connector, keys, logger } = this.options;
    const fields = deadLetterFields(connector, entry, failure, Date.now());
    const moved = await this.scripts.deadLetter(keys.outbox, keys.deadLetters, DELIVERY_GROUP, entry.ref, fields);
    this.#inFlight.delete(entry.ref);
    if (!moved) logger.warn({ connector, ref: entry.ref }, 'outbox entry already gone (acknowledged elsewhere?): not dead-lettered');
  }

  async backlog(): Promise<Backlog> {
    const [count, oldest, time] = (await execChecked(
      // Ages are measured on Redis' clock, the one that stamped the entry ids.
      this.redis.multi().xlen(this.#key).xrange(this.#key, '-', '+', 'COUNT', 1).time(),
    )) as [number, StreamEntry[], [seconds: string, micros: string]];
    const first = oldest[0];
    if (!first) return { count: 0, oldestAgeMs: 0 };
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    return { count, oldestAgeMs: Math.max(0, now - entryTime(first[0])) };
  }

  /** Stops the keep-alive and cuts a blocked take short (it resolves empty). */
  close(): void {
    this.#closed = true;
    clearInterval(this.#keepAlive);
    this.#blocking?.disconnect();
  }

  async #take(max: number, blockMs: number, afterNoGroup = false): Promise<OutboxEntry[]> {
    if (this.#closed) throw new Error('The store is closed');
    if (max < 1) return [];
    try {
      await this.#ensureGroup();
      const taken = await this.#ownPending(max);
      if (taken.length < max) taken.push(...(await this.#claimAbandoned(max - taken.length)));
      if (taken.length < max) taken.push(...(await this.#readNew(max - taken.length, taken.length === 0 ? blockMs : 0)));
      for (const entry of taken) this.#inFlight.add(entry.ref);
      if (taken.length > 0) this.#startKeepAlive();
      return taken;
    } catch (error) {
      if (this.#closed) return [];
      // The stream or its group vanished (deleted by hand, or Redis lost its data): make it again.
      if (!afterNoGroup && error instanceof Error && error.message.startsWith('NOGROUP')) {
        this.#group = undefined;
        return this.#take(max, blockMs, true);
      }
      throw error;
    }
  }

  #ensureGroup(): Promise<void> {
    // At id 0, not $: entries ingested before the group existed are read too.
    this.#group ??= this.redis.xgroup('CREATE', this.#key, DELIVERY_GROUP, '0', 'MKSTREAM').then(
      () => undefined,
      (error: Error) => {
        if (error.message.startsWith('BUSYGROUP')) return;
        this.#group = undefined;
        throw error;
      },
    );
    return this.#group;
  }

  async #ownPending(max: number): Promise<OutboxEntry[]> {
    if (this.#pendingCursor === undefined) return [];
    const reply = await this.redis.xreadgroup(
      'GROUP', DELIVERY_GROUP, this.options.consumer, 'COUNT', max, 'STREAMS', this.#key, this.#pendingCursor,
    );
    const entries = readGroupEntries(reply);
    this.#pendingCursor = entries.length < max ? undefined : entries.at(-1)?.[0];
    return this.#redelivered(entries);
  }

  async #claimAbandoned(max: number): Promise<OutboxEntry[]> {
    if (Date.now() < this.#claimDueAt) return [];
    const { consumer, claimIdleMs } = this.options;
    const [next, entries] = (await this.redis.xautoclaim(
      this.#key, DELIVERY_GROUP, consumer, claimIdleMs, this.#claimCursor, 'COUNT', max,
    )) as [string, StreamEntry[]];
    this.#claimCursor = next;
    // While a scan leaves more to look at, the next take goes on at once; once through, wait.
    if (next === '0-0') this.#claimDueAt = Date.now() + Math.min(claimIdleMs, MAX_CLAIM_INTERVAL_MS);
    return this.#redelivered(entries);
  }

  async #readNew(max: number, blockMs: number): Promise<OutboxEntry[]> {
    const { consumer } = this.options;
    const reply =
      blockMs > 0
        ? await (this.#blocking ??= openBlockingConnection(this.redis)).xreadgroup(
            'GROUP', DELIVERY_GROUP, consumer, 'COUNT', max, 'BLOCK', blockMs, 'STREAMS', this.#key, '>',
          )
        : await this.redis.xreadgroup('GROUP', DELIVERY_GROUP, consumer, 'COUNT', max, 'STREAMS', this.#key, '>');
    return readGroupEntries(reply).flatMap(([ref, fields]) => (fields ? [this.#entry(ref, fields, 1)] : []));
  }

  /** Entries handed out before: with their delivery counts, without those in flight here. */
  async #redelivered(entries: readonly StreamEntry[]): Promise<OutboxEntry[]> {
    // Entries deleted while pending (a trimmed stream) have nothing left to deliver.
    const deleted = entries.filter(([, fields]) => fields === null).map(([ref]) => ref);
    if (deleted.length > 0) await this.redis.xack(this.#key, DELIVERY_GROUP, ...deleted);
    const live = entries.filter(([ref, fields]) => fields !== null && !this.#inFlight.has(ref));
    if (live.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const [ref] of live) pipeline.xpending(this.#key, DELIVERY_GROUP, ref, ref, 1);
    const pending = (await execChecked(pipeline)) as [ref: string, consumer: string, idleMs: number, deliveries: number][][];
    // An entry no longer pending was acknowledged meanwhile by whoever held it before.
    return live.flatMap(([ref, fields], i) => {
      const deliveries = pending[i]?.[0]?.[3];
      return deliveries === undefined || fields === null ? [] : [this.#entry(ref, fields, deliveries)];
    });
  }

  #entry(ref: string, fields: readonly string[], deliveries: number): OutboxEntry {
    const json = field(fields, 'e');
    if (json === undefined) throw new Error(`Outbox entry ${ref} of ${this.options.connector} holds no envelope`);
    return { ref, envelope: decodeStoredEnvelope(json), deliveries };
  }

  /**
   * Keeps the entries in flight here from looking abandoned: a delivery may retry for hours,
   * far longer than claimIdleMs, and another consumer must not take them over meanwhile.
   */
  #startKeepAlive(): void {
    this.#keepAlive ??= setInterval(() => void this.#touchInFlight(), this.options.claimIdleMs / 3).unref();
  }

  async #touchInFlight(): Promise<void> {
    if (this.#inFlight.size === 0 || this.#touching) return;
    const { connector, consumer, logger } = this.options;
    this.#touching = true;
    try {
      const lost = await this.scripts.touch(this.#key, DELIVERY_GROUP, consumer, [...this.#inFlight]);
      if (lost > 0) logger.warn({ connector, lost }, 'entries in flight here were claimed by another consumer; both may deliver them');
    } catch (error) {
      logger.warn({ connector, err: (error as Error).message }, 'could not keep in-flight outbox entries claimed');
    } finally {
      this.#touching = false;
    }
  }
}
