import type { ScanChange } from './scan-engine.js';
import { type Scan, type ScanStage, severityCounts, statusChangedAt } from './scan-types.js';

/** One progress-stream event: its `event:` name and its data. */
export interface ProgressEvent {
  readonly event: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * The progress-stream events a scan change makes (doc 003). Every status change is a
 * status_change, the terminal ones followed by scan_complete or error; a cancelled scan has no
 * terminal event: its stream just ends, as the doc lists.
 */
export function progressEvents(scan: Scan, change: ScanChange): ProgressEvent[] {
  switch (change.kind) {
    case 'created':
      return [];
    case 'status':
      return [statusChange(scan), ...terminalEvents(scan)];
    case 'stage':
      return [stageUpdate(scan, change.stage)];
    case 'finding': {
      const { finding } = change;
      return [
        { event: 'finding_added', data: { scan_id: scan.id, finding_id: finding.id, title: finding.title, severity: finding.severity } },
      ];
    }
  }
}

/**
 * What a client receives on connecting: the doc's "current scan state" (status and finding counts,
 * every stage's status, any error) as the stream's own events. Assumed: one status_change, then a
 * stage_update per stage, each with the timestamp of that change, so a client that de-duplicates
 * by content recognises what it saw before a reconnect; then, for a finished scan, its terminal
 * event, and the stream ends.
 */
export function initialState(scan: Scan): ProgressEvent[] {
  return [statusChange(scan), ...scan.stages.map((stage) => stageUpdate(scan, stage)), ...terminalEvents(scan)];
}

/**
 * The lag notification: the doc says a client that falls behind the broadcast channel has events
 * skipped and is told so, but gives no shape. Assumed (a tokio broadcast `Lagged(n)` made into an
 * event): `event: lagged`, data `{scan_id, skipped, timestamp}`, sent in place of the skipped
 * events, after which the stream goes on.
 */
export function lagNotice(scanId: string, skipped: number): ProgressEvent {
  return { event: 'lagged', data: { scan_id: scanId, skipped, timestamp: new Date().toISOString() } };
}

/** Severity counts as the doc's events carry them: the total and four severities (info only in the total). */
function counts(scan: Scan): Record<string, number> {
  const { critical, high, medium, low } = severityCounts(scan);
  return { finding_count: scan.findings.length, critical, high, medium, low };
}

function statusChange(scan: Scan): ProgressEvent {
  return { event: 'status_change', data: { scan_id: scan.id, status: scan.status, timestamp: statusChangedAt(scan), ...counts(scan) } };
}

function stageUpdate(scan: Scan, stage: ScanStage): ProgressEvent {
  const data = { scan_id: scan.id, stage: stage.name, status: stage.status, timestamp: stage.updatedAt };
  return { event: 'stage_update', data: stage.error === undefined ? data : { ...data, error: stage.error } };
}

function terminalEvents(scan: Scan): ProgressEvent[] {
  const timestamp = statusChangedAt(scan);
  if (scan.status === 'completed') return [{ event: 'scan_complete', data: { scan_id: scan.id, ...counts(scan), timestamp } }];
  if (scan.status === 'failed') return [{ event: 'error', data: { scan_id: scan.id, error: scan.error, timestamp } }];
  return [];
}
