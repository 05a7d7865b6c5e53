import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';

/**
 * The Lua scripts (lua/*.lua; each file documents its KEYS, ARGV and returns). A script's file
 * and command name carry a version: make a new version for any change to that contract.
 */
const SCRIPTS = {
  ingest: 'ingest-4',
  deadLetter: 'deadLetter-1',
  replay: 'replay-1',
  touch: 'touch-1',
  deleteIfValue: 'deleteIfValue-1',
  flushDigest: 'flushDigest-1',
  acquire: 'acquire-1',
  renew: 'renew-1',
  announce: 'announce-1',
  markSeen: 'markSeen-2',
} as const;

type CommandName = (typeof SCRIPTS)[keyof typeof SCRIPTS];
type Arg = string | number;
type ScriptCommand = (numKeys: number, ...keysAndArgs: Arg[]) => Promise<unknown>;

let sources: Promise<ReadonlyMap<CommandName, string>> | undefined;

/** Reads the script files once per process. */
function loadSources(): Promise<ReadonlyMap<CommandName, string>> {
  sources ??= Promise.all(
    Object.values(SCRIPTS).map(
      async (name) => [name, await readFile(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8')] as const,
    ),
  ).then((entries) => new Map(entries));
  return sources;
}

/**
 * Typed calls of the scripts on one connection. ioredis runs them by EVALSHA and falls back to
 * EVAL when Redis has lost its script cache (a restart), so they survive one.
 */
export class Scripts {
  private constructor(private readonly redis: Redis) {}

  static async define(redis: Redis): Promise<Scripts> {
    for (const [name, lua] of await loadSources()) redis.defineCommand(name, { lua });
    return new Scripts(redis);
  }

  async ingest(keys: readonly string[], args: readonly Arg[]): Promise<{ appended: number; duplicates: number }> {
    const [appended, duplicates] = (await this.#run(SCRIPTS.ingest, keys, args)) as [number, number];
    return { appended, duplicates };
  }

  /** True when moved, false when the entry was already gone. */
  async deadLetter(outbox: string, deadLetters: string, group: string, ref: string, fields: readonly string[]): Promise<boolean> {
    return (await this.#run(SCRIPTS.deadLetter, [outbox, deadLetters], [group, ref, ...fields])) === 1;
  }

  async replay(deadLetters: string, outbox: string, refs: readonly string[]): Promise<number> {
    return (await this.#run(SCRIPTS.replay, [deadLetters, outbox], refs)) as number;
  }

  /** Returns how many of `refs` another consumer has claimed meanwhile. */
  async touch(outbox: string, group: string, consumer: string, refs: readonly string[]): Promise<number> {
    return (await this.#run(SCRIPTS.touch, [outbox], [group, consumer, ...refs])) as number;
  }

  async deleteIfValue(key: string, value: string): Promise<void> {
    await this.#run(SCRIPTS.deleteIfValue, [key], [value]);
  }

  /** True when flushed, false when an entry was already gone. */
  async flushDigest(buffer: string, outboxes: readonly string[], digest: string, refs: readonly string[]): Promise<boolean> {
    return (await this.#run(SCRIPTS.flushDigest, [buffer, ...outboxes], [digest, ...refs])) === 1;
  }

  /** The new fencing token, or undefined when the lease is held. */
  async acquire(lease: string, fence: string, owner: string, ttlMs: number, fenceTtlMs: number, takeOver: string): Promise<number | undefined> {
    const token = (await this.#run(SCRIPTS.acquire, [lease, fence], [owner, ttlMs, fenceTtlMs, takeOver])) as number | null;
    return token ?? undefined;
  }

  async renew(lease: string, fence: string, value: string, ttlMs: number, fenceTtlMs: number): Promise<boolean> {
    return (await this.#run(SCRIPTS.renew, [lease, fence], [value, ttlMs, fenceTtlMs])) === 1;
  }

  /** How many replicas are alive. */
  async announce(replicas: string, replica: string, ttlMs: number): Promise<number> {
    return (await this.#run(SCRIPTS.announce, [replicas], [replica, ttlMs])) as number;
  }

  async markSeen(set: string, ids: readonly string[], retentionMs: number): Promise<void> {
    await this.#run(SCRIPTS.markSeen, [set], [retentionMs, ...ids]);
  }

  #run(name: CommandName, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    // defineCommand adds the command as a method named after it; without numberOfKeys it
    // takes the key count first, so one script serves batches naming any number of outboxes.
    const command = (this.redis as unknown as Record<CommandName, ScriptCommand>)[name];
    return command.call(this.redis, keys.length, ...keys, ...args);
  }
}
