import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { StoreInUseError } from '../errors.js';

/** The LevelDB database under the store's directory: text keys and values. */
export type Database = ClassicLevel<string, string>;

/** One write of a batch. */
export type Write = { readonly type: 'put'; readonly key: string; readonly value: string } | { readonly type: 'del'; readonly key: string };

/** Names the process that holds the store, for the message another one gets. */
const OWNER_FILE = 'owner.pid';

/** Directories this process has open. */
const openHere = new Set<string>();

/**
 * Opens (making it when missing) the database at `path`, for this process alone. LevelDB's own
 * lock (fcntl on `LOCK`, released by the OS when the holder dies, even by SIGKILL) keeps other
 * processes out; a second open in this process is refused before LevelDB sees it, because its
 * failed attempt would close the lock file and so release the first open's lock.
 */
export async function openDatabase(path: string): Promise<{ db: Database; release: () => void }> {
  const dir = resolve(path);
  if (openHere.has(dir)) throw new StoreInUseError(path, process.pid);
  openHere.add(dir);
  try {
    mkdirSync(dir, { recursive: true });
    const db: Database = new ClassicLevel(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') throw new StoreInUseError(path, owner(dir));
      throw new Error(`Cannot open the store at ${path}: ${cause?.message ?? (error as Error).message}`);
    }
    writeFileSync(join(dir, OWNER_FILE), `${process.pid}\n`);
    return { db, release: () => openHere.delete(dir) };
  } catch (error) {
    openHere.delete(dir);
    throw error;
  }
}

function owner(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, OWNER_FILE), 'utf8'), 10);
    return Number.isNaN(pid) ? undefined : pid;
  } catch {
    return undefined;
  }
}
