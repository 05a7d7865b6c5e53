import { currentStage, durationSeconds, type Scan, type ScanFinding, severityCounts } from './scan-types.js';

/**
 * The Scans API's answers (doc 004), snake_case as the platform sends them. Fields a scan does not
 * have yet (`started_at` while queued, `completed_at` while unfinished) are null, not absent.
 */

/** `POST /api/scan/create`'s answer. */
export function createdScan(scan: Scan): Record<string, unknown> {
  return {
    scan_id: scan.id,
    asset_id: scan.assetId,
    scan_type: scan.scanType,
    status: scan.status,
    priority: scan.priority,
    created_at: scan.createdAt,
    estimated_duration_minutes: Math.ceil(scan.durationMs / 60_000),
  };
}

/** `GET /api/scan/{id}`, and each item of `GET /api/scans`. `assumed`: a failed scan's `error` too. */
export function scanDetails(scan: Scan, assumed: boolean): Record<string, unknown> {
  return {
    scan_id: scan.id,
    asset_id: scan.assetId,
    asset_name: scan.assetName,
    scan_type: scan.scanType,
    status: scan.status,
    priority: scan.priority,
    progress: scan.progress,
    finding_summary: severityCounts(scan),
    started_at: scan.startedAt ?? null,
    completed_at: scan.completedAt ?? null,
    duration_seconds: durationSeconds(scan) ?? null,
    created_at: scan.createdAt,
    ...(assumed && scan.error !== undefined ? { error: scan.error } : {}),
  };
}

/** `GET /api/scan/{id}/status`: `eta_seconds` is the planned time left (queue included), 0 once finished. */
export function scanStatus(scan: Scan, now: number): Record<string, unknown> {
  return {
    scan_id: scan.id,
    status: scan.status,
    progress: scan.progress,
    current_phase: currentStage(scan)?.name ?? null,
    eta_seconds: Math.ceil(Math.max(0, plannedEnd(scan) - now) / 1000),
  };
}

/** An item of `GET /api/scan/{id}/results`, the document's fields; `assumed`: the CVE and URL too. */
export function findingResult(finding: ScanFinding, assumed: boolean): Record<string, unknown> {
  return {
    id: finding.id,
    title: finding.title,
    severity: finding.severity,
    cvss: finding.cvss,
    status: finding.status,
    description: finding.description,
    remediation: finding.remediation,
    discovered_at: finding.discoveredAt,
    ...(assumed ? { ...(finding.cve === undefined ? {} : { cve: finding.cve }), url: finding.url } : {}),
  };
}

function plannedEnd(scan: Scan): number {
  if (scan.completedAt !== undefined) return 0;
  if (scan.startedAt !== undefined) return Date.parse(scan.startedAt) + scan.durationMs;
  return Date.parse(scan.createdAt) + scan.queueMs + scan.durationMs;
}
