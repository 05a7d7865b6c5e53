import { ASSETS, FINDING_STATUSES, SCAN_ERRORS, SCAN_PHASES, SCAN_TYPES, SYSTEM_ALERTS } from './catalogue.js';
import { EVENT_TYPES, type EventType, isEventType, typeWeight } from './event-types.js';
import { drawFinding, findingEventFields, findingUrl } from './finding-draw.js';
import { type Random, weightedPicker } from './random.js';

export interface GeneratedEvent {
  readonly type: EventType;
  readonly data: Record<string, unknown>;
}

type Builder = (random: Random, timestamp: string) => Record<string, unknown>;

/**
 * Makes realistic platform events: the documented fields of each type plus `timestamp`, and
 * `asset_id` wherever an asset is involved so the stream's `asset_id` filter has something to
 * match. Events are independent draws for volume, not coherent scan lifecycles: their scan ids
 * are unknown to the Scans API. Coherent scans come from the ScanEngine.
 */
export class EventGenerator {
  readonly #random: Random;
  readonly #pickType: (random: Random) => EventType;

  /** @throws RangeError when `types` is empty or names a type that is not generated. */
  constructor(random: Random, types: readonly string[] = EVENT_TYPES) {
    if (types.length === 0) throw new RangeError('types must name at least one event type');
    this.#random = random;
    this.#pickType = weightedPicker(types.map(checkedType).map((type) => [type, typeWeight(type)] as const));
  }

  /** `count` events stamped `timestamp`, drawn by weight, or all of `type` when given. */
  batch(count: number, timestamp: string, type?: string): GeneratedEvent[] {
    const fixed = type === undefined ? undefined : checkedType(type);
    const events: GeneratedEvent[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const chosen = fixed ?? this.#pickType(this.#random);
      events[i] = { type: chosen, data: BUILDERS[chosen](this.#random, timestamp) };
    }
    return events;
  }
}

function checkedType(type: string): EventType {
  if (!isEventType(type)) throw new RangeError(`not a generated event type: ${type}`);
  return type;
}

const scanId = (r: Random): string => `sc-${r.int(40000, 49999)}`;
const executionId = (r: Random): string => `ex-${r.hex(8)}`;
const actionId = (r: Random): string => `act-${r.int(100, 999)}`;
const playbookId = (r: Random): string => `pb-${r.int(10, 99)}`;

/** The fields every finding.* event shares. */
function finding(r: Random): Record<string, unknown> {
  const drawn = drawFinding(r);
  const asset = r.pick(ASSETS);
  return findingEventFields(drawn, findingUrl(asset, drawn.path), asset, scanId(r));
}

function statusChange(r: Random): { old_status: string; new_status: string } {
  const old = r.int(0, FINDING_STATUSES.length - 2);
  return { old_status: FINDING_STATUSES[old]!, new_status: FINDING_STATUSES[r.int(old + 1, FINDING_STATUSES.length - 1)]! };
}

const BUILDERS: Readonly<Record<EventType, Builder>> = {
  'scan.created': (r, timestamp) => ({
    scan_id: scanId(r),
    asset_id: r.pick(ASSETS).id,
    scan_type: r.pick(SCAN_TYPES),
    timestamp,
  }),
  'scan.progress': (r, timestamp) => {
    const progress = r.int(1, 99);
    return {
      scan_id: scanId(r),
      asset_id: r.pick(ASSETS).id,
      progress,
      phase: SCAN_PHASES[Math.floor((progress / 100) * SCAN_PHASES.length)],
      timestamp,
    };
  },
  'scan.completed': (r, timestamp) => ({
    scan_id: scanId(r),
    asset_id: r.pick(ASSETS).id,
    status: 'completed',
    finding_count: r.int(0, 60),
    // Seconds, as the Scans API's duration_seconds.
    duration: r.int(60, 3600),
    timestamp,
  }),
  'scan.failed': (r, timestamp) => ({
    scan_id: scanId(r),
    asset_id: r.pick(ASSETS).id,
    status: 'failed',
    error: r.pick(SCAN_ERRORS),
    timestamp,
  }),
  'finding.new': (r, timestamp) => ({ finding_id: `f-${r.int(10000, 99999)}`, ...finding(r), timestamp }),
  'finding.status_changed': (r, timestamp) => ({
    finding_id: `f-${r.int(10000, 99999)}`,
    ...statusChange(r),
    ...finding(r),
    timestamp,
  }),
  'action.triggered': (r, timestamp) => ({ action_id: actionId(r), execution_id: executionId(r), timestamp }),
  'action.completed': (r, timestamp) => ({
    action_id: actionId(r),
    execution_id: executionId(r),
    status: r.next() < 0.9 ? 'success' : 'failed',
    timestamp,
  }),
  'playbook.started': (r, timestamp) => ({ playbook_id: playbookId(r), execution_id: executionId(r), timestamp }),
  'playbook.completed': (r, timestamp) => ({ playbook_id: playbookId(r), execution_id: executionId(r), timestamp }),
  // The doc lists alert_type and message only; `severity` is an assumption, on the platform's
  // own scale, so alerts route by severity like findings do.
  'system.alert': (r, timestamp) => ({ ...r.pick(SYSTEM_ALERTS), timestamp }),
};
