import type { Logger } from '../observability/logger.js';
import type { WireEvent } from '../pipeline/decode.js';
import { FINDING_STATUS_CHANGED, INITIAL_STATUS, normalizeStatus } from '../pipeline/lifecycle.js';
import type { SeenSet } from '../store/coordination.js';
import type { FindingState } from '../store/findings.js';
import type { ScanFindingResult, ScansClient, ScanSummary } from './scans-client.js';

/** The pseudo-subscription backfilled events are ingested under (config names cannot start with "_"). */
export const BACKFILL_SUBSCRIPTION = '_backfill';
/** Seen-sets of delivered finding ids and finished scan ids, shared by the live path and backfills. */
export const SEEN_FINDINGS = 'findings';
export const SEEN_SCANS = 'scans';

export interface BackfillOptions {
  readonly client: ScansClient;
  readonly findings: SeenSet;
  readonly scans: SeenSet;
  /** What the store remembers of findings (Store.findings): the status their results are compared with. */
  known(ids: readonly string[]): Promise<ReadonlyMap<string, FindingState>>;
  /** How long what a backfill delivers is remembered. */
  readonly retentionMs: number;
  /** How far before the gap finished scans are read too, for their findings' statuses only; 0: not at all. */
  readonly statusLookbackMs: number;
  /** Through the normal pipeline: decode, rules, routes, store.ingest under BACKFILL_SUBSCRIPTION. */
  ingest(batch: readonly WireEvent[]): Promise<void>;
  readonly logger: Logger;
  onProgress?(progress: BackfillProgress): void;
}

export interface BackfillProgress {
  /** Scans listed so far (finished in the window, and running now). */
  readonly scans: number;
  /** Of them, whose results were read. */
  readonly scansDone: number;
  /** Findings read from the results. */
  readonly findings: number;
  /** finding.new, finding.status_changed and scan.* events emitted. */
  readonly emitted: number;
  /** Of them, status changes: findings whose status in the results differs from what the bridge knew. */
  readonly statusChanges: number;
  /** Findings and scans already delivered (live or by an earlier backfill), skipped. */
  readonly skipped: number;
}

/** Finished statuses listed, and the event each finished scan is told by (as the stream would). */
const FINISHED: Readonly<Record<string, 'scan.completed' | 'scan.failed'>> = { completed: 'scan.completed', cancelled: 'scan.completed', failed: 'scan.failed' };

/**
 * Gap backfill: the findings the bridge may have missed while its stream was away longer than the
 * platform's replay buffer. Lists the scans finished in [since, until] (completed, cancelled and
 * failed, every page) and those running now (their findings so far may have been discovered in
 * the gap), reads each one's results, and emits, through the normal pipeline, `finding.new` for
 * every finding not in the seen-set and the scan's own `scan.completed`/`scan.failed` when not
 * seen either. Findings change status long after their scan: the scans finished in the
 * `statusLookbackMs` before the gap are read too. For every finding of all these whose status
 * differs from the one the bridge knows, it emits a `finding.status_changed` (a finding
 * discovered and already closed in the gap gets both: what opened a ticket closes it). Every
 * event is marked `backfilled: true` in its data; ids derive from finding and scan ids (and
 * statuses), so ingest's idempotency also holds across backfills. Returns the totals.
 */
export async function runBackfill(since: Date, until: Date, o: BackfillOptions): Promise<BackfillProgress> {
  const progress = { scans: 0, scansDone: 0, findings: 0, emitted: 0, statusChanges: 0, skipped: 0 };
  const report = () => o.onProgress?.({ ...progress });
  const listed = new Set<string>();
  const list = async (filter: Parameters<ScansClient['listScans']>[0]): Promise<ScanSummary[]> => {
    const scans: ScanSummary[] = [];
    for await (const scan of o.client.listScans(filter)) {
      if (listed.has(scan.scan_id)) continue;
      listed.add(scan.scan_id);
      scans.push(scan);
      progress.scans += 1;
    }
    return scans;
  };
  const inGap: ScanSummary[] = [];
  for (const status of Object.keys(FINISHED)) inGap.push(...(await list({ status, from: since, to: until })));
  inGap.push(...(await list({ status: 'running' })));
  const before: ScanSummary[] = [];
  if (o.statusLookbackMs > 0) {
    const from = new Date(since.getTime() - o.statusLookbackMs);
    for (const status of Object.keys(FINISHED)) before.push(...(await list({ status, from, to: since })));
  }
  report();

  // Oldest first, so what arrives reads as it happened; the scans before the gap only for their findings' statuses.
  for (const scan of [...oldestFirst(before), ...oldestFirst(inGap)]) {
    const reconcileOnly = before.includes(scan);
    const findings: ScanFindingResult[] = [];
    for await (const finding of o.client.results(scan.scan_id)) findings.push(finding);
    progress.findings += findings.length;
    const fresh = reconcileOnly ? new Set<string>() : new Set(await o.findings.unseen(findings.map((f) => f.id)));
    const known = await o.known(findings.map((f) => f.id));
    const events: WireEvent[] = [];
    let statusChanges = 0;
    for (const f of findings) {
      const status = normalizeStatus(f.status);
      // A finding is reported open: one new here, already past that in the results, changed since.
      const was = known.get(f.id)?.status ?? (fresh.has(f.id) ? INITIAL_STATUS : undefined);
      if (fresh.has(f.id)) events.push(findingEvent(scan, f));
      if (status !== undefined && was !== undefined && status !== was) {
        events.push(statusChangeEvent(f.id, was, status));
        statusChanges += 1;
      }
    }
    const finishedAs = reconcileOnly ? undefined : FINISHED[scan.status];
    const scanFresh = finishedAs !== undefined && (await o.scans.unseen([scan.scan_id])).length === 1;
    if (finishedAs && scanFresh) events.push(scanEvent(scan, finishedAs, findings.length));
    if (!reconcileOnly) progress.skipped += findings.length - fresh.size + (finishedAs && !scanFresh ? 1 : 0);
    if (events.length > 0) {
      await o.ingest(events);
      await o.findings.mark([...fresh], o.retentionMs);
      if (scanFresh) await o.scans.mark([scan.scan_id], o.retentionMs);
      progress.emitted += events.length;
      progress.statusChanges += statusChanges;
    }
    progress.scansDone += 1;
    report();
  }
  o.logger.info({ since: since.toISOString(), until: until.toISOString(), ...progress }, 'gap backfill done');
  return { ...progress };
}

function oldestFirst(scans: ScanSummary[]): ScanSummary[] {
  const at = (scan: ScanSummary) => Date.parse(scan.completed_at ?? scan.created_at ?? '');
  return scans.sort((a, b) => at(a) - at(b) || 0);
}

function findingEvent(scan: ScanSummary, f: ScanFindingResult): WireEvent {
  const { id, discovered_at, ...fields } = f;
  const asset = scan.asset_id === undefined ? undefined : { id: scan.asset_id, ...(scan.asset_name !== undefined && { name: scan.asset_name }) };
  const data = {
    finding_id: id,
    ...fields,
    ...(asset && { asset, asset_id: asset.id }),
    scan_id: scan.scan_id,
    ...(discovered_at !== undefined && { timestamp: discovered_at }),
    backfilled: true,
  };
  return { id: `bf-f-${id}`, type: 'finding.new', data: JSON.stringify(data), receivedAt: Date.now() };
}

/** Documented shape, marked. The id names the change, so a later backfill does not repeat it, nor one that undoes it. */
function statusChangeEvent(findingId: string, oldStatus: string, newStatus: string): WireEvent {
  const data = { finding_id: findingId, old_status: oldStatus, new_status: newStatus, backfilled: true };
  return { id: `bf-fs-${findingId}-${oldStatus}-${newStatus}`, type: FINDING_STATUS_CHANGED, data: JSON.stringify(data), receivedAt: Date.now() };
}

function scanEvent(scan: ScanSummary, type: 'scan.completed' | 'scan.failed', findingCount: number): WireEvent {
  const data = {
    scan_id: scan.scan_id,
    ...(scan.asset_id !== undefined && { asset_id: scan.asset_id }),
    status: scan.status,
    ...(type === 'scan.completed' ? { finding_count: findingCount, duration: scan.duration_seconds ?? 0 } : { error: scan.error ?? 'unknown' }),
    ...(scan.completed_at && { timestamp: scan.completed_at }),
    backfilled: true,
  };
  return { id: `bf-sc-${scan.scan_id}`, type, data: JSON.stringify(data), receivedAt: Date.now() };
}
