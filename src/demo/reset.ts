import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { keyTag } from '../store/redis/keys.js';

/** The demo's store: a Redis that answered, under a key prefix of its own, else the embedded store in a directory. */
export type DemoStore = { readonly redisUrl: string; readonly keyPrefix: string } | { readonly path: string };

/**
 * A key prefix for one demo run: another demo, or a bridge, on the same Redis never shares a
 * key with it, so neither disturbs the other.
 */
export function demoKeyPrefix(): string {
  return `s4e-bridge-demo-${randomBytes(4).toString('hex')}`;
}

/**
 * Claims `dir` for this demo (a pid file), so that two demos never write the same receiver
 * files or store; a claim left by a demo that is gone is taken over. Returns the release.
 */
export function claimDemoDir(dir: string): () => void {
  const file = join(dir, 'demo.pid');
  try {
    writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
  } catch {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (alive(pid)) throw new Error(`another demo (pid ${pid}) is running in ${dir}: stop it, or give this one its own --dir`);
    writeFileSync(file, `${process.pid}\n`);
  }
  return () => rmSync(file, { force: true });
}

/** Empties the embedded store's directory: each run's simulator has new event ids, so what an earlier run left would only report a false gap. */
export function resetDemoStore(store: DemoStore): void {
  if ('path' in store) rmSync(store.path, { recursive: true, force: true });
}

/** Deletes this run's keys from Redis (the embedded store stays for a look until the next run). */
export async function removeDemoStore(store: DemoStore): Promise<void> {
  if ('path' in store) return;
  const redis = new Redis(store.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyTag(store.keyPrefix)}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
