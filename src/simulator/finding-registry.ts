import { FINDING_STATUS_CHANGES } from './catalogue.js';
import type { Random } from './random.js';

/** A finding the simulator reported, with what a later status change of it needs. */
export interface TrackedFinding {
  readonly id: string;
  status: string;
  /** Its finding.new data: what the `assumedFields` option repeats on a status change. */
  readonly data: Readonly<Record<string, unknown>>;
  /** For the stream's `asset_id` filter. */
  readonly assetId: string;
}

/** How many reported findings are remembered for later status changes; the oldest go first. */
export const TRACKED_FINDINGS = 10_000;

/**
 * The findings the generator reported, so that its status changes are about findings the stream
 * named before, moving each along its workflow (catalogue.ts), as the platform's would. Bounded:
 * a long run at a high rate forgets its oldest findings.
 */
export class FindingRegistry {
  readonly #byId = new Map<string, TrackedFinding>();
  /** Ids in the order added, a ring of `capacity`. */
  readonly #ring: string[] = [];
  #next = 0;

  constructor(private readonly capacity = TRACKED_FINDINGS) {}

  add(finding: TrackedFinding): void {
    if (this.#byId.has(finding.id)) {
      this.#byId.set(finding.id, finding);
      return;
    }
    if (this.#ring.length < this.capacity) {
      this.#ring.push(finding.id);
    } else {
      this.#byId.delete(this.#ring[this.#next]!);
      this.#ring[this.#next] = finding.id;
      this.#next = (this.#next + 1) % this.capacity;
    }
    this.#byId.set(finding.id, finding);
  }

  get(id: string): TrackedFinding | undefined {
    return this.#byId.get(id);
  }

  /** A remembered finding and the status it moves to next, drawn at random; undefined when none is remembered. */
  drawChange(random: Random): { finding: TrackedFinding; newStatus: string } | undefined {
    if (this.#ring.length === 0) return undefined;
    const finding = this.#byId.get(random.pick(this.#ring))!;
    return { finding, newStatus: random.pick(FINDING_STATUS_CHANGES[finding.status] ?? ['open']) };
  }
}
