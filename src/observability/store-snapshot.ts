import { unlessAborted } from '../delivery/abort.js';
import type { Backlog, Checkpoint, Store } from '../store/types.js';
import { openGaps, type Gap } from './gaps.js';

/** What the store says about the bridge's progress: for `status`, `/status` and /metrics. */
export interface StoreSnapshot {
  readonly subscriptions: readonly { readonly name: string; readonly checkpoint?: Checkpoint }[];
  readonly connectors: readonly { readonly name: string; readonly backlog: Backlog; readonly deadLetters: number }[];
  /** Open gaps: times when events may have been missed (gaps.ts). */
  readonly gaps: readonly Gap[];
}

export interface SnapshotNames {
  readonly subscriptions: readonly string[];
  readonly connectors: readonly string[];
}

/** Longest a snapshot waits for the store by default, ms. */
export const SNAPSHOT_TIMEOUT_MS = 2_000;

/**
 * Reads checkpoints, backlogs and dead-letter counts, all at once. Rejects when the store
 * does not answer within `timeoutMs`: ping() fails at once while Redis is away, where reads
 * would wait for it to come back.
 */
export function readStoreSnapshot(store: Store, names: SnapshotNames, timeoutMs = SNAPSHOT_TIMEOUT_MS): Promise<StoreSnapshot> {
  const read = async (): Promise<StoreSnapshot> => {
    await store.ping();
    const [subscriptions, connectors, gaps] = await Promise.all([
      Promise.all(names.subscriptions.map(async (name) => ({ name, checkpoint: await store.checkpoint(name) }))),
      Promise.all(
        names.connectors.map(async (name) => {
          const [backlog, deadLetters] = await Promise.all([store.outbox(name).backlog(), store.deadLetters(name).count()]);
          return { name, backlog, deadLetters };
        }),
      ),
      openGaps(store, names.subscriptions),
    ]);
    return { subscriptions, connectors, gaps };
  };
  return unlessAborted(read(), AbortSignal.timeout(timeoutMs)).catch((error: unknown) => {
    throw new Error(`the store did not answer: ${(error as Error).message}`);
  });
}

/** The names a config's snapshot covers. */
export function snapshotNames(config: { readonly subscriptions: readonly { name: string }[]; readonly connectors: readonly { name: string }[] }): SnapshotNames {
  return { subscriptions: config.subscriptions.map((s) => s.name), connectors: config.connectors.map((c) => c.name) };
}
