import type { Severity } from '../pipeline/severity.js';
import type { SCAN_TYPES } from './catalogue.js';

/** The Scans API's states. */
export const SCAN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

export type ScanType = (typeof SCAN_TYPES)[number];

export const SCAN_PRIORITIES = ['low', 'normal', 'high'] as const;
export type ScanPriority = (typeof SCAN_PRIORITIES)[number];

/** The progress stream's stage states. */
export type StageStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface ScanStage {
  /** One of the scan phases, e.g. `port_scanning`: the same names as scan.progress's `phase`. */
  readonly name: string;
  readonly status: StageStatus;
  /** When the stage last changed status (the scan's creation while pending). */
  readonly updatedAt: string;
  /** Why the stage failed. */
  readonly error?: string;
}

export interface ScanFinding {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly cvss: number;
  /** `open` when discovered; it changes later, by `Simulator.setFindingStatus`. */
  readonly status: string;
  readonly cve?: string;
  /** The affected resource. */
  readonly url: string;
  readonly description: string;
  readonly remediation: string;
  readonly discoveredAt: string;
}

/** One scan as the platform keeps it; `Simulator.scans()` returns copies. */
export interface Scan {
  readonly id: string;
  readonly assetId: string;
  readonly assetName: string;
  readonly scanType: ScanType;
  readonly priority: ScanPriority;
  readonly status: ScanStatus;
  /** Percent done: set as each stage starts, 100 once completed, frozen when the scan stops. */
  readonly progress: number;
  /** Planned time queued before running, ms. */
  readonly queueMs: number;
  /** Planned running time, ms. */
  readonly durationMs: number;
  readonly stages: readonly ScanStage[];
  /** Findings discovered so far, in order. */
  readonly findings: readonly ScanFinding[];
  readonly createdAt: string;
  readonly startedAt?: string;
  /** When it completed, failed or was cancelled. */
  readonly completedAt?: string;
  /** Why it failed. */
  readonly error?: string;
}

export interface StartScanOptions {
  /** One of the simulator's assets (`a-1001` … `a-1010`). @default a random one */
  readonly assetId?: string;
  /** @default a random scan type */
  readonly scanType?: string;
  /** @default 'normal' */
  readonly priority?: string;
  /** Findings it will discover, spread over its stages. @default random, 0 to 12 */
  readonly findings?: number;
  /** Running time, ms. @default the simulator's `scanDurationMs` */
  readonly durationMs?: number;
  /** Time queued before running, ms. @default the simulator's `scanQueueMs` */
  readonly queueMs?: number;
}

export function isFinished(status: ScanStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** When the scan entered its current status. */
export function statusChangedAt(scan: Scan): string {
  return scan.completedAt ?? scan.startedAt ?? scan.createdAt;
}

/** Running stage, if any: the status endpoint's `current_phase`. */
export function currentStage(scan: Scan): ScanStage | undefined {
  return scan.stages.find((stage) => stage.status === 'running');
}

/** Seconds from start to end, once the scan has both. */
export function durationSeconds(scan: Scan): number | undefined {
  if (scan.startedAt === undefined || scan.completedAt === undefined) return undefined;
  return Math.round((Date.parse(scan.completedAt) - Date.parse(scan.startedAt)) / 1000);
}

/** Findings by severity, info included. */
export function severityCounts(scan: Scan): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const finding of scan.findings) counts[finding.severity] += 1;
  return counts;
}
