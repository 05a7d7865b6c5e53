import { ASSETS, type Asset, FINDING_STATUS_CHANGES, FINDING_STATUSES, SCAN_ERRORS, SCAN_PHASES, SCAN_TYPES, SYSTEM_ALERTS } from './catalogue.js';
import { EVENT_TYPES, type EventType, isEventType, typeWeight } from './event-types.js';
import { drawFinding, findingUrl } from './finding-draw.js';
import { assumedFindingFields, findingNewData, statusChangedData } from './finding-events.js';
import { FindingRegistry } from './finding-registry.js';
import { type Random, weightedPicker } from './random.js';

export interface GeneratedEvent {
  readonly type: EventType;
  readonly data: Record<string, unknown>;
  /** The asset the event is about, for the stream's `asset_id` filter (its data may not name it). */
  readonly assetId?: string;
}

export interface GeneratorOptions {
  /**
   * Add fields the event stream document does not list (an assumption about the platform):
   * `timestamp` on every event, the finding's CVSS, CVE, scan, URL and top-level `asset_id`, the
   * finding's fields on its status changes, `asset_id` on scan events, a `severity` on system
   * alerts. @default false: the documented fields only
   */
  readonly assumedFields?: boolean;
  /** The findings reported so far, which status changes are about. @default a registry of the generator's own */
  readonly findings?: FindingRegistry;
  /** Ids of new findings. @default `f-<5 random digits>` */
  readonly nextFindingId?: (random: Random) => string;
}

/** What a builder makes: the documented data, what is assumed beyond it, and the asset. */
interface Built {
  readonly data: Record<string, unknown>;
  readonly assumed?: Record<string, unknown>;
  readonly assetId?: string;
}

type Builder = (random: Random, context: Required<Omit<GeneratorOptions, 'assumedFields'>>) => Built;

/**
 * Makes realistic platform events, each with the fields the event stream document lists for its
 * type (and the documented extras of its examples: finding.new's `asset` object, scan.completed's
 * `asset_id` and `status`), and more only with `assumedFields`. A status change is about a finding
 * reported before, moving along its workflow. Otherwise events are independent draws for volume,
 * not coherent scan lifecycles: their scan ids are unknown to the Scans API. Coherent scans come
 * from the ScanEngine.
 */
export class EventGenerator {
  readonly #random: Random;
  readonly #pickType: (random: Random) => EventType;
  readonly #assumed: boolean;
  readonly #context: Required<Omit<GeneratorOptions, 'assumedFields'>>;

  /** @throws RangeError when `types` is empty or names a type that is not generated. */
  constructor(random: Random, types: readonly string[] = EVENT_TYPES, options: GeneratorOptions = {}) {
    if (types.length === 0) throw new RangeError('types must name at least one event type');
    this.#random = random;
    this.#pickType = weightedPicker(types.map(checkedType).map((type) => [type, typeWeight(type)] as const));
    this.#assumed = options.assumedFields ?? false;
    this.#context = { findings: options.findings ?? new FindingRegistry(), nextFindingId: options.nextFindingId ?? ((r) => `f-${r.int(10000, 99999)}`) };
  }

  /** `count` events stamped `timestamp` (with `assumedFields`), drawn by weight, or all of `type` when given. */
  batch(count: number, timestamp: string, type?: string): GeneratedEvent[] {
    const fixed = type === undefined ? undefined : checkedType(type);
    const events: GeneratedEvent[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const chosen = fixed ?? this.#pickType(this.#random);
      const { data, assumed, assetId } = BUILDERS[chosen](this.#random, this.#context);
      events[i] = { type: chosen, data: this.#assumed ? { ...data, ...assumed, timestamp } : data, ...(assetId === undefined ? {} : { assetId }) };
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

/** A new finding on a random asset, remembered for its later status changes. */
const newFinding: Builder = (r, { findings, nextFindingId }) => {
  const drawn = drawFinding(r);
  const asset: Asset = r.pick(ASSETS);
  const id = nextFindingId(r);
  const data = findingNewData(id, drawn, asset);
  const assumed = assumedFindingFields(drawn, findingUrl(asset, drawn.path), asset, scanId(r));
  findings.add({ id, status: 'open', data: { ...data, ...assumed }, assetId: asset.id });
  return { data, assumed, assetId: asset.id };
};

/**
 * A status change of a finding reported before; of one the stream never named (reported before
 * the client connected) only while none is remembered.
 */
const statusChange: Builder = (r, { findings, nextFindingId }) => {
  const change = findings.drawChange(r);
  if (change === undefined) {
    const old = r.pick(FINDING_STATUSES);
    return { data: statusChangedData(nextFindingId(r), old, r.pick(FINDING_STATUS_CHANGES[old]!)) };
  }
  const { finding, newStatus } = change;
  const { finding_id: _id, ...fields } = finding.data;
  const data = statusChangedData(finding.id, finding.status, newStatus);
  finding.status = newStatus;
  return { data, assumed: fields, assetId: finding.assetId };
};

const BUILDERS: Readonly<Record<EventType, Builder>> = {
  'scan.created': (r) => {
    const asset = r.pick(ASSETS);
    return { data: { scan_id: scanId(r), asset_id: asset.id, scan_type: r.pick(SCAN_TYPES) }, assetId: asset.id };
  },
  'scan.progress': (r) => {
    const progress = r.int(1, 99);
    const asset = r.pick(ASSETS);
    return {
      data: { scan_id: scanId(r), progress, phase: SCAN_PHASES[Math.floor((progress / 100) * SCAN_PHASES.length)] },
      assumed: { asset_id: asset.id },
      assetId: asset.id,
    };
  },
  // The table lists scan_id, finding_count, duration; the document's example adds asset_id and status.
  'scan.completed': (r) => {
    const asset = r.pick(ASSETS);
    // duration in seconds, as the Scans API's duration_seconds.
    return { data: { scan_id: scanId(r), asset_id: asset.id, status: 'completed', finding_count: r.int(0, 60), duration: r.int(60, 3600) }, assetId: asset.id };
  },
  'scan.failed': (r) => {
    const asset = r.pick(ASSETS);
    return { data: { scan_id: scanId(r), error: r.pick(SCAN_ERRORS) }, assumed: { asset_id: asset.id, status: 'failed' }, assetId: asset.id };
  },
  'finding.new': newFinding,
  'finding.status_changed': statusChange,
  'action.triggered': (r) => ({ data: { action_id: actionId(r), execution_id: executionId(r) } }),
  'action.completed': (r) => ({ data: { action_id: actionId(r), execution_id: executionId(r), status: r.next() < 0.9 ? 'success' : 'failed' } }),
  'playbook.started': (r) => ({ data: { playbook_id: playbookId(r), execution_id: executionId(r) } }),
  'playbook.completed': (r) => ({ data: { playbook_id: playbookId(r), execution_id: executionId(r) } }),
  'system.alert': (r) => {
    const { severity, ...alert } = r.pick(SYSTEM_ALERTS);
    return { data: { ...alert }, assumed: { severity } };
  },
};
