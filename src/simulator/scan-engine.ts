import { ASSETS, SCAN_ERRORS, SCAN_PHASES, SCAN_TYPES } from './catalogue.js';
import { drawFinding, findingUrl } from './finding-draw.js';
import type { Random } from './random.js';
import { type PlannedFinding, planScan, type ScanStep } from './scan-plan.js';
import {
  currentStage,
  SCAN_PRIORITIES,
  type Scan,
  type ScanFinding,
  type ScanStage,
  type StartScanOptions,
} from './scan-types.js';

/** What just happened to a scan; the scan passed alongside is already in its new state. */
export type ScanChange =
  | { readonly kind: 'created' }
  | { readonly kind: 'status' }
  | { readonly kind: 'stage'; readonly stage: ScanStage }
  | { readonly kind: 'finding'; readonly finding: ScanFinding };

/** Told of every change, synchronously and in order; must not keep `scan`, which keeps changing. */
export type ScanObserver = (scan: Scan, change: ScanChange) => void;

export interface ScanEngineOptions {
  readonly random: Random;
  readonly nextScanId: () => string;
  readonly nextFindingId: () => string;
  /** Default running time of a scan, ms. */
  readonly durationMs: number;
  /** Default time a scan is queued, ms. */
  readonly queueMs: number;
  readonly observer: ScanObserver;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

interface ScanRecord extends Writable<Omit<Scan, 'stages' | 'findings'>> {
  readonly stages: Writable<ScanStage>[];
  readonly findings: ScanFinding[];
}

/** An unfinished scan's timeline and where it has got to. */
interface Run {
  readonly createdMs: number;
  readonly steps: readonly ScanStep[];
  next: number;
  timer?: NodeJS.Timeout;
}

/** Most findings a scan draws when not told. */
const MAX_RANDOM_FINDINGS = 12;

/**
 * The platform's scans: each runs its planned timeline on a timer and reports every change to the
 * observer, which turns it into event-stream and progress-stream events. Scans are kept for the
 * simulator's life, as the platform's Scans API keeps them.
 */
export class ScanEngine {
  readonly #scans = new Map<string, ScanRecord>();
  readonly #runs = new Map<string, Run>();
  /** Discovered findings: the scan each belongs to. */
  readonly #findingScans = new Map<string, ScanRecord>();

  constructor(private readonly options: ScanEngineOptions) {}

  /** Creates a queued scan and starts its timeline. @throws RangeError for an invalid option. */
  start(options: StartScanOptions = {}): Scan {
    const { random } = this.options;
    const asset = options.assetId === undefined ? random.pick(ASSETS) : ASSETS.find(({ id }) => id === options.assetId);
    if (asset === undefined) throw new RangeError(`unknown asset: ${options.assetId}`);
    const scanType = oneOf(options.scanType ?? random.pick(SCAN_TYPES), SCAN_TYPES, 'scan type');
    const priority = oneOf(options.priority ?? 'normal', SCAN_PRIORITIES, 'priority');
    const findingCount = checkedCount(options.findings ?? random.int(0, MAX_RANDOM_FINDINGS), 'findings', Number.isInteger);
    const durationMs = checkedCount(options.durationMs ?? this.options.durationMs, 'durationMs', Number.isFinite);
    const queueMs = checkedCount(options.queueMs ?? this.options.queueMs, 'queueMs', Number.isFinite);

    const findings = Array.from({ length: findingCount }, (): PlannedFinding => {
      const { path, ...drawn } = drawFinding(random);
      return { id: this.options.nextFindingId(), ...drawn, status: 'open', url: findingUrl(asset, path) };
    });
    const createdMs = Date.now();
    const createdAt = new Date(createdMs).toISOString();
    const scan: ScanRecord = {
      id: this.options.nextScanId(),
      assetId: asset.id,
      assetName: asset.name,
      scanType,
      priority,
      status: 'queued',
      progress: 0,
      queueMs,
      durationMs,
      stages: SCAN_PHASES.map((name) => ({ name, status: 'pending', updatedAt: createdAt })),
      findings: [],
      createdAt,
    };
    const run: Run = { createdMs, steps: planScan({ queueMs, durationMs, stageCount: scan.stages.length, findings }), next: 0 };
    this.#scans.set(scan.id, scan);
    this.#runs.set(scan.id, run);
    this.options.observer(scan, { kind: 'created' });
    // Always on a timer, even with no queue time, so the creator sees the scan queued.
    this.#schedule(scan, run, 0);
    return scan;
  }

  find(id: string): Scan | undefined {
    return this.#scans.get(id);
  }

  /** A discovered finding and the scan that found it. */
  findFinding(id: string): { scan: Scan; finding: ScanFinding } | undefined {
    const scan = this.#findingScans.get(id);
    const finding = scan?.findings.find((candidate) => candidate.id === id);
    return scan && finding && { scan, finding };
  }

  /** Sets a discovered finding's status (the Scans API's results show it); returns the one it had. @throws RangeError for an unknown finding */
  setFindingStatus(id: string, status: string): string {
    const scan = this.#findingScans.get(id);
    const index = scan?.findings.findIndex((candidate) => candidate.id === id) ?? -1;
    if (scan === undefined || index < 0) throw new RangeError(`unknown finding: ${id}`);
    const old = scan.findings[index]!;
    scan.findings[index] = { ...old, status };
    return old.status;
  }

  /** Every scan, oldest first; live records, for answering a request there and then. */
  list(): readonly Scan[] {
    return [...this.#scans.values()];
  }

  /** Runs the rest of the scan's timeline now: its remaining stages and findings, then completion. */
  complete(id: string): void {
    const { scan, run } = this.#active(id);
    clearTimeout(run.timer);
    const now = new Date().toISOString();
    while (run.next < run.steps.length) this.#apply(scan, run.steps[run.next++]!, now);
  }

  /** Fails the scan now, and its running stage with the same error. */
  fail(id: string, error: string = this.options.random.pick(SCAN_ERRORS)): void {
    const { scan } = this.#active(id);
    const now = new Date().toISOString();
    const stage = currentStage(scan) as Writable<ScanStage> | undefined;
    if (stage !== undefined) {
      Object.assign(stage, { status: 'failed', updatedAt: now, error });
      this.options.observer(scan, { kind: 'stage', stage });
    }
    scan.error = error;
    this.#finish(scan, 'failed', now);
  }

  /**
   * Stops the scan, keeping the findings discovered so far (as the doc says). Assumed: stages
   * stay as they were; the scan's status says it stopped.
   */
  cancel(id: string): void {
    this.#finish(this.#active(id).scan, 'cancelled', new Date().toISOString());
  }

  /** Stops every timer; scans stay as they are. */
  close(): void {
    for (const run of this.#runs.values()) clearTimeout(run.timer);
    this.#runs.clear();
  }

  #active(id: string): { scan: ScanRecord; run: Run } {
    const scan = this.#scans.get(id);
    if (scan === undefined) throw new RangeError(`unknown scan: ${id}`);
    const run = this.#runs.get(id);
    if (run === undefined) throw new Error(`scan ${id} is already ${scan.status}`);
    return { scan, run };
  }

  #schedule(scan: ScanRecord, run: Run, elapsed: number): void {
    const step = run.steps[run.next];
    if (step !== undefined) run.timer = setTimeout(() => this.#advance(scan, run), step.at - elapsed).unref();
  }

  /** Runs every step that is due, then waits for the next. */
  #advance(scan: ScanRecord, run: Run): void {
    const elapsed = Date.now() - run.createdMs;
    const now = new Date().toISOString();
    while (run.next < run.steps.length && run.steps[run.next]!.at <= elapsed) this.#apply(scan, run.steps[run.next++]!, now);
    this.#schedule(scan, run, elapsed);
  }

  #apply(scan: ScanRecord, step: ScanStep, now: string): void {
    switch (step.kind) {
      case 'start':
        scan.status = 'running';
        scan.startedAt = now;
        this.options.observer(scan, { kind: 'status' });
        return;
      case 'stage': {
        const stage = scan.stages[step.index]!;
        stage.status = step.status;
        stage.updatedAt = now;
        if (step.status === 'running') scan.progress = Math.floor((step.index * 100) / scan.stages.length);
        this.options.observer(scan, { kind: 'stage', stage });
        return;
      }
      case 'finding': {
        const finding: ScanFinding = { ...step.finding, discoveredAt: now };
        scan.findings.push(finding);
        this.#findingScans.set(finding.id, scan);
        this.options.observer(scan, { kind: 'finding', finding });
        return;
      }
      case 'complete':
        scan.progress = 100;
        this.#finish(scan, 'completed', now);
    }
  }

  #finish(scan: ScanRecord, status: 'completed' | 'failed' | 'cancelled', now: string): void {
    clearTimeout(this.#runs.get(scan.id)?.timer);
    this.#runs.delete(scan.id);
    scan.status = status;
    scan.completedAt = now;
    this.options.observer(scan, { kind: 'status' });
  }
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new RangeError(`${name} must be one of ${allowed.join(', ')}, got ${value}`);
  return value as T;
}

function checkedCount(value: number, name: string, valid: (value: number) => boolean): number {
  if (!(valid(value) && value >= 0)) throw new RangeError(`${name} must be a number >= 0, got ${value}`);
  return value;
}
