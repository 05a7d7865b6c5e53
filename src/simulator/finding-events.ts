import type { Asset } from './catalogue.js';
import type { DrawnFinding } from './finding-draw.js';

/**
 * The data of the finding.* events. By default exactly what the event stream document gives
 * them (its "Event Types" table, and the `asset` object of its finding.new example); the rest is
 * the simulator's assumption about what else the platform might send, added only with its
 * `assumedFields` option.
 */

/** finding.new as documented: `finding_id`, `title`, `severity`, and the example's `asset`. */
export function findingNewData(id: string, finding: Pick<DrawnFinding, 'title' | 'severity'>, asset: Asset): Record<string, unknown> {
  return { finding_id: id, title: finding.title, severity: finding.severity, asset: { id: asset.id, name: asset.name } };
}

/** Assumed: a finding's scores, scan and resource, and the asset's id at the top level too. */
export function assumedFindingFields(finding: Pick<DrawnFinding, 'cvss' | 'cve'>, url: string, asset: Asset, scanId: string): Record<string, unknown> {
  return { cvss: finding.cvss, ...(finding.cve === undefined ? {} : { cve: finding.cve }), asset_id: asset.id, scan_id: scanId, url };
}

/**
 * finding.status_changed: documented, the ids and both statuses only. `assumed` (the finding's
 * own fields, when the simulator assumes them) is added after them.
 */
export function statusChangedData(id: string, oldStatus: string, newStatus: string, assumed?: Record<string, unknown>): Record<string, unknown> {
  return { finding_id: id, old_status: oldStatus, new_status: newStatus, ...assumed };
}
