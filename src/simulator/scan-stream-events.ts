import { assumedFindingFields, findingNewData } from './finding-events.js';
import type { ScanChange } from './scan-engine.js';
import { durationSeconds, type Scan } from './scan-types.js';
import type { InjectedEvent } from './types.js';

/**
 * The event-stream events a scan change makes: scan.created; scan.progress as each stage starts;
 * finding.new per finding; scan.completed or scan.failed at the end. Their data is what the
 * document lists (see finding-events.ts); with `assumedFields`, more, and a `timestamp` that is
 * the change's own (so it agrees with the progress stream and the Scans API).
 */
export function scanStreamEvents(scan: Scan, change: ScanChange, assumedFields: boolean): InjectedEvent[] {
  const event: MakeEvent = (type, data, assumed, timestamp) => ({
    type,
    data: assumedFields ? { ...data, ...assumed, timestamp } : data,
    assetId: scan.assetId,
  });
  const asset = { asset_id: scan.assetId };
  switch (change.kind) {
    case 'created':
      return [event('scan.created', { scan_id: scan.id, ...asset, scan_type: scan.scanType }, {}, scan.createdAt)];
    case 'stage': {
      const { stage } = change;
      if (stage.status !== 'running') return [];
      return [event('scan.progress', { scan_id: scan.id, progress: scan.progress, phase: stage.name }, asset, stage.updatedAt)];
    }
    case 'finding': {
      const { finding } = change;
      const where = { id: scan.assetId, name: scan.assetName };
      return [event('finding.new', findingNewData(finding.id, finding, where), assumedFindingFields(finding, finding.url, where, scan.id), finding.discoveredAt)];
    }
    case 'status':
      return statusEvents(scan, event);
  }
}

/** An event of the scan: its documented data, what is assumed beyond it, the change's time. */
type MakeEvent = (type: string, data: Record<string, unknown>, assumed: Record<string, unknown>, timestamp: string | undefined) => InjectedEvent;

function statusEvents(scan: Scan, event: MakeEvent): InjectedEvent[] {
  switch (scan.status) {
    case 'failed':
      return [event('scan.failed', { scan_id: scan.id, error: scan.error }, { asset_id: scan.assetId, status: scan.status }, scan.completedAt)];
    // The stream has no cancellation event. Assumed: a cancelled scan ends with scan.completed
    // whose `status` says `cancelled` (why the documented payload carries a status at all), and
    // its partial finding count. The document's example gives scan.completed asset_id and status.
    case 'completed':
    case 'cancelled': {
      const data = { scan_id: scan.id, asset_id: scan.assetId, status: scan.status, finding_count: scan.findings.length, duration: durationSeconds(scan) ?? 0 };
      return [event('scan.completed', data, {}, scan.completedAt)];
    }
    default:
      return [];
  }
}
