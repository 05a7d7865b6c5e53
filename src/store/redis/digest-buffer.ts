import type { Redis } from 'ioredis';
import type { Envelope } from '../../pipeline/envelope.js';
import { decodeStoredEnvelope, encodeStoredEnvelope } from '../../pipeline/envelope-json.js';
import type { BufferedEvent, DigestBuffer } from '../types.js';
import type { RedisKeys } from './keys.js';
import type { Scripts } from './scripts.js';
import { field } from './stream-entries.js';

/** A digest route's buffer: a stream (field `e` = Envelope JSON) that ingest appends to. */
export class RedisDigestBuffer implements DigestBuffer {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: Scripts,
    private readonly keys: RedisKeys,
    private readonly route: string,
  ) {}

  async peek(max: number): Promise<BufferedEvent[]> {
    const entries = await this.redis.xrange(this.keys.digest(this.route), '-', '+', 'COUNT', max);
    return entries.map(([ref, fields]) => ({ ref, envelope: decodeStoredEnvelope(field(fields, 'e') ?? 'null') }));
  }

  flush(refs: readonly string[], digest: Envelope, connectors: readonly string[]): Promise<boolean> {
    return this.scripts.flushDigest(this.keys.digest(this.route), connectors.map((c) => this.keys.outbox(c)), encodeStoredEnvelope(digest), refs);
  }
}
