import type { Redis } from 'ioredis';
import { decodeStoredEnvelope, encodeStoredEnvelope } from '../../pipeline/envelope-json.js';
import type { DeadLetter, DeadLetters, DeliveryFailure, OutboxEntry } from '../types.js';
import type { Scripts } from './scripts.js';
import { field } from './stream-entries.js';

/** Dead letters handled per script call or XDEL when replaying or dropping many. */
const PAGE_SIZE = 500;

/** A connector's dead letters: one stream, newest last; entry ids are the refs. */
export class RedisDeadLetters implements DeadLetters {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: Scripts,
    private readonly keys: { readonly outbox: string; readonly deadLetters: string },
  ) {}

  async list(limit: number): Promise<DeadLetter[]> {
    if (limit < 1) return [];
    const entries = await this.redis.xrevrange(this.keys.deadLetters, '+', '-', 'COUNT', limit);
    return entries.map(([ref, fields]) => decodeDeadLetter(ref, fields));
  }

  count(): Promise<number> {
    return this.redis.xlen(this.keys.deadLetters);
  }

  replay(refs?: readonly string[]): Promise<number> {
    return this.#inPages(refs, (page) => this.scripts.replay(this.keys.deadLetters, this.keys.outbox, page));
  }

  drop(refs?: readonly string[]): Promise<number> {
    return this.#inPages(refs, (page) => this.redis.xdel(this.keys.deadLetters, ...page));
  }

  /**
   * Applies `apply` to `refs`, or to every dead letter present when called, page by page so
   * no single script holds Redis long. "Every" stops at the newest one present now: letters
   * dead-lettered meanwhile are not swept along.
   */
  async #inPages(refs: readonly string[] | undefined, apply: (page: string[]) => Promise<number>): Promise<number> {
    let done = 0;
    if (refs) {
      for (let i = 0; i < refs.length; i += PAGE_SIZE) done += await apply(refs.slice(i, i + PAGE_SIZE));
      return done;
    }
    const [newest] = await this.redis.xrevrange(this.keys.deadLetters, '+', '-', 'COUNT', 1);
    if (!newest) return 0;
    for (let start = '-'; ; ) {
      const page = (await this.redis.xrange(this.keys.deadLetters, start, newest[0], 'COUNT', PAGE_SIZE)).map(([id]) => id);
      const last = page.at(-1);
      if (last === undefined) return done;
      done += await apply(page);
      start = `(${last}`;
    }
  }
}

/** The stream fields of a dead letter (read back by decodeDeadLetter). */
export function deadLetterFields(connector: string, entry: OutboxEntry, failure: DeliveryFailure, deadAt: number): string[] {
  return [
    'e', encodeStoredEnvelope(entry.envelope),
    'connector', connector,
    'reason', failure.reason,
    'attempts', String(failure.attempts),
    'deadAt', String(deadAt),
    ...(failure.response === undefined ? [] : ['response', failure.response]),
  ];
}

function decodeDeadLetter(ref: string, fields: readonly string[]): DeadLetter {
  const response = field(fields, 'response');
  return {
    ref,
    connector: field(fields, 'connector') ?? '',
    envelope: decodeStoredEnvelope(field(fields, 'e') ?? 'null'),
    reason: field(fields, 'reason') ?? '',
    attempts: Number(field(fields, 'attempts')),
    deadAt: Number(field(fields, 'deadAt')),
    ...(response === undefined ? {} : { response }),
  };
}
