import { findingEventFields } from './finding-draw.js';
import type { ScanChange } from './scan-engine.js';
import { durationSeconds, type Scan } from './scan-types.js';
import type { InjectedEvent } from './types.js';

/**
 * The event-stream events a scan change makes, timestamped as the change (so they agree with the
 * progress stream and the Scans API): scan.created; scan.progress as each stage starts;
 * finding.new per finding; scan.completed or scan.failed at the end.
 */
export function scanStreamEvents(scan: Scan, change: ScanChange): InjectedEvent[] {
  const ids = { scan_id: scan.id, asset_id: scan.assetId };
  switch (change.kind) {
    case 'created':
      return [{ type: 'scan.created', data: { ...ids, scan_type: scan.scanType, timestamp: scan.createdAt } }];
    case 'stage': {
      const { stage } = change;
      if (stage.status !== 'running') return [];
      return [{ type: 'scan.progress', data: { ...ids, progress: scan.progress, phase: stage.name, timestamp: stage.updatedAt } }];
    }
    case 'finding': {
      const { finding } = change;
      const asset = { id: scan.assetId, name: scan.assetName };
      return [
        {
          type: 'finding.new',
          data: { finding_id: finding.id, ...findingEventFields(finding, finding.url, asset, scan.id), timestamp: finding.discoveredAt },
        },
      ];
    }
    case 'status':
      return statusEvents(scan);
  }
}

function statusEvents(scan: Scan): InjectedEvent[] {
  const base = { scan_id: scan.id, asset_id: scan.assetId, status: scan.status };
  switch (scan.status) {
    case 'failed':
      return [{ type: 'scan.failed', data: { ...base, error: scan.error, timestamp: scan.completedAt } }];
    // The stream has no cancellation event. Assumed: a cancelled scan ends with scan.completed
    // whose `status` says `cancelled` (why the documented payload carries a status at all), and
    // its partial finding count.
    case 'completed':
    case 'cancelled':
      return [
        {
          type: 'scan.completed',
          data: { ...base, finding_count: scan.findings.length, duration: durationSeconds(scan) ?? 0, timestamp: scan.completedAt },
        },
      ];
    default:
      return [];
  }
}
