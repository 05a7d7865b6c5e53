import type { BacklogLimit, BacklogUsage } from './types.js';

/**
 * Ingest refused: the store's backlog reached `store.max_backlog`. Nothing was written and the
 * checkpoint did not move, so the source closes the stream, backs off and resumes from the
 * checkpoint: the platform replays what was refused once the connectors have caught up.
 */
export class BacklogFullError extends Error {
  override readonly name = 'BacklogFullError';

  constructor(readonly usage: BacklogUsage & { readonly limit: BacklogLimit }) {
    const used = usage.limit.unit === 'events' ? usage.events : usage.bytes;
    super(
      `the store's backlog is full: ${used} of ${usage.limit.max} ${usage.limit.unit} (store.max_backlog); ` +
        'ingest pauses until the connectors catch up, and the platform replays from the checkpoint',
    );
  }
}

/** The embedded store's directory is held by another process (or already open in this one). */
export class StoreInUseError extends Error {
  override readonly name = 'StoreInUseError';

  constructor(
    readonly path: string,
    readonly pid: number | undefined,
  ) {
    super(
      `store at ${path} is in use by another s4e-bridge process (pid ${pid ?? 'unknown'}); ` +
        'the embedded store is single-replica — use Redis for replicas',
    );
  }
}
