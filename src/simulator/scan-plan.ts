import type { ScanFinding } from './scan-types.js';

/** A finding a scan will discover; it gets its discovery time when the step runs. */
export type PlannedFinding = Omit<ScanFinding, 'discoveredAt'>;

/** One change in a scan's life, `at` ms after its creation. */
export type ScanStep =
  | { readonly at: number; readonly kind: 'start' }
  | { readonly at: number; readonly kind: 'stage'; readonly index: number; readonly status: 'running' | 'completed' }
  | { readonly at: number; readonly kind: 'finding'; readonly finding: PlannedFinding }
  | { readonly at: number; readonly kind: 'complete' };

export interface ScanPlanInput {
  readonly queueMs: number;
  readonly durationMs: number;
  readonly stageCount: number;
  readonly findings: readonly PlannedFinding[];
}

/**
 * A scan's timeline, in the order it runs (a step is never run before the steps listed ahead of
 * it): queued for `queueMs`, then its stages one after another in equal
 * shares of `durationMs`, findings spread evenly over the running time (each inside the stage
 * running then), and completion at the end.
 */
export function planScan({ queueMs, durationMs, stageCount, findings }: ScanPlanInput): ScanStep[] {
  const stageMs = durationMs / stageCount;
  const findingAt = (k: number): number => ((k + 0.5) * durationMs) / findings.length;
  const stageOf = (k: number): number => Math.min(stageCount - 1, Math.floor(((k + 0.5) * stageCount) / findings.length));
  const steps: ScanStep[] = [{ at: queueMs, kind: 'start' }];
  let k = 0;
  for (let index = 0; index < stageCount; index++) {
    steps.push({ at: queueMs + index * stageMs, kind: 'stage', index, status: 'running' });
    for (; k < findings.length && stageOf(k) === index; k++) {
      steps.push({ at: queueMs + findingAt(k), kind: 'finding', finding: findings[k]! });
    }
    steps.push({ at: queueMs + (index + 1) * stageMs, kind: 'stage', index, status: 'completed' });
  }
  steps.push({ at: queueMs + durationMs, kind: 'complete' });
  return steps;
}
