import { Bridge } from '../../bridge.js';
import { loadConfig } from '../../config/load.js';
import { scansClient } from '../../coordination/coordinator.js';
import { createLogger } from '../../observability/logger.js';
import { BACKFILL_SUBSCRIPTION, runBackfill, SEEN_FINDINGS, SEEN_SCANS, type BackfillProgress } from '../../scans/backfill.js';
import { openStore } from '../../store/open.js';
import { cliLogger } from '../cli-logger.js';
import { Progress } from '../progress.js';

export interface BackfillCommandOptions {
  readonly config: string;
  /** How far back, ms (`--since 2h`). */
  readonly since: number;
  readonly json?: boolean;
}

/**
 * `backfill`: what `run` does by itself after a gap longer than the replay buffer, on demand:
 * findings of the scans finished in the last `--since` (and of those running now) that were not
 * delivered yet, through the config's rules and routes into the connectors' outboxes (a running
 * bridge, or the next `run`, delivers them), marked `backfilled: true`.
 */
export async function backfillCommand(options: BackfillCommandOptions): Promise<void> {
  const config = loadConfig(options.config);
  const progress = new Progress(options.json ? { write: () => true } as unknown as NodeJS.WritableStream : process.stdout);
  // For scripts (--json) JSON log lines on stderr; for people, plain lines below the progress.
  const logger = options.json
    ? createLogger({ level: 'warn', secrets: config.secrets, destination: process.stderr })
    : cliLogger(config.secrets, (line) => progress.log(line, process.stderr));
  const store = await openStore(config.store, logger);
  const bridge = new Bridge({ config, store, logger });
  const client = scansClient(config, logger);
  const until = new Date();
  const since = new Date(until.getTime() - options.since);
  const show = (p: BackfillProgress) =>
    progress.update(
      `backfill since ${since.toISOString()}: scans ${p.scansDone}/${p.scans}, findings read ${p.findings}, events emitted ${p.emitted} (status changes ${p.statusChanges}), already delivered ${p.skipped}`,
    );
  try {
    progress.update(`backfill since ${since.toISOString()}: listing scans…`);
    const result = await runBackfill(since, until, {
      client,
      findings: store.coordination().seen(SEEN_FINDINGS),
      scans: store.coordination().seen(SEEN_SCANS),
      known: (ids) => store.findings(ids),
      retentionMs: config.backfill.seenRetentionMs,
      statusLookbackMs: config.backfill.statusLookbackMs,
      ingest: (batch) => bridge.ingest(BACKFILL_SUBSCRIPTION, batch),
      logger,
      onProgress: show,
    });
    show(result);
    if (options.json) console.log(JSON.stringify({ since: since.toISOString(), until: until.toISOString(), ...result }));
    else progress.log(`done: ${result.emitted} events in the outboxes, marked backfilled: true`);
  } finally {
    await client.close();
    await store.close();
  }
}
