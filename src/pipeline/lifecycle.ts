import type { RouteConfig } from '../config/rules.js';
import { MAX_FINDING_ID_LENGTH, mergeFinding, type FindingState, type FindingUpdate } from '../store/findings.js';
import type { Envelope } from './envelope.js';
import { dataJsonOf, withDataJson } from './envelope-json.js';
import { normalizeSeverity } from './severity.js';

/**
 * A finding's whole life across its events. The platform sends `finding.status_changed` with
 * ids and statuses only; the bridge tells it with what it remembers of the finding (its title,
 * severity and asset: "enrichment"), and sends it after the finding to every connector that
 * received it, whether the routes still match it or not (Alertmanager's `send_resolved`).
 */

export const FINDING_NEW = 'finding.new';
export const FINDING_STATUS_CHANGED = 'finding.status_changed';

/** The status a finding has when it is reported (the Scans API's example). */
export const INITIAL_STATUS = 'open';

/** The finding a finding.* event is about: its `finding_id`, when it is one a store can remember. */
export function findingIdOf(envelope: Envelope): string | undefined {
  if (envelope.type !== FINDING_NEW && envelope.type !== FINDING_STATUS_CHANGED) return undefined;
  const id = envelope.data.finding_id;
  const text = typeof id === 'number' && Number.isFinite(id) ? String(id) : typeof id === 'string' ? id.trim() : '';
  return text !== '' && text.length <= MAX_FINDING_ID_LENGTH ? text : undefined;
}

/** The findings whose stored state routing these events needs: those their status changes are about. */
export function findingsToRead(envelopes: Iterable<Envelope>): string[] {
  const ids = new Set<string>();
  for (const envelope of envelopes) {
    if (envelope.type !== FINDING_STATUS_CHANGED) continue;
    const id = findingIdOf(envelope);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

/**
 * The findings' states while a batch is routed: what the store held when the batch began, with
 * each of the batch's events applied as it is routed, so that a finding.new and its status
 * change in one batch are told as they would be in two.
 */
export class FindingMemory {
  readonly #states: Map<string, FindingState>;
  readonly #kept: ReadonlySet<string> | undefined;

  /** `kept`: the only findings a later event will ask about (absent: any); the rest are not remembered here. */
  constructor(stored: ReadonlyMap<string, FindingState> = new Map(), kept?: ReadonlySet<string>) {
    this.#states = new Map(stored);
    this.#kept = kept;
  }

  /**
   * The event as the rules should see it. A status change of a finding the bridge knows gets
   * the title, severity (as the platform reported it: the rules run on it next) and asset its
   * data lacks, and `enriched: true`; of one it does not know, `enriched: false`. Other events
   * are returned as they are.
   */
  prepare(envelope: Envelope): Envelope {
    if (envelope.type !== FINDING_STATUS_CHANGED) return envelope;
    const id = findingIdOf(envelope);
    const state = id === undefined ? undefined : this.#states.get(id);
    if (state === undefined || !knowsFinding(state)) return withDataJson({ ...envelope, enriched: false }, dataJsonOf(envelope));
    const { data } = envelope;
    // As reported, not after the rules: they run on it next, as they did on the finding.new.
    const severity = state.originalSeverity;
    const added = {
      ...(data.title === undefined && state.title !== undefined && { title: state.title }),
      ...(data.severity === undefined && severity !== undefined && { severity }),
      ...(data.asset === undefined && state.asset !== undefined && { asset: state.asset }),
    };
    const enriched = { ...data, ...added };
    return withDataJson(
      {
        ...envelope,
        data: enriched,
        severity: envelope.severity ?? normalizeSeverity(enriched.severity),
        ...((envelope.asset ?? state.asset) !== undefined && { asset: envelope.asset ?? state.asset }),
        enriched: true,
      },
      JSON.stringify(enriched),
    );
  }

  /**
   * The connectors a status change follows its finding to: each that received an event about it
   * by a route that sends resolutions (`send_resolved`, on by default; a route no longer in the
   * config counts as on), among `running` connectors.
   */
  followers(envelope: Envelope, routes: readonly RouteConfig[], running: ReadonlySet<string>): string[] {
    if (envelope.type !== FINDING_STATUS_CHANGED) return [];
    const id = findingIdOf(envelope);
    const state = id === undefined ? undefined : this.#states.get(id);
    if (state === undefined) return [];
    const sendsResolved = (name: string) => routes.find((r) => r.name === name)?.sendResolved ?? true;
    return Object.entries(state.delivered)
      .filter(([connector, by]) => running.has(connector) && by.some(sendsResolved))
      .map(([connector]) => connector);
  }

  /**
   * What a routed event changes in its finding's state (undefined for other events), applied
   * here too. `prepared` is the event before the rules, `routed` after them; `delivered`, the
   * connectors its routes sent it to, by route.
   */
  record(prepared: Envelope, routed: Envelope, delivered: Readonly<Record<string, readonly string[]>>): FindingUpdate | undefined {
    const id = findingIdOf(routed);
    if (id === undefined) return undefined;
    const { data, receivedAt } = prepared;
    const isNew = routed.type === FINDING_NEW;
    const status = isNew ? INITIAL_STATUS : normalizeStatus(data.new_status);
    // Assigned one by one, in one order (the Redis store compares the JSON text), rather than by
    // conditional spreads: a finding.new firehose runs this per event.
    const state: Writable<FindingState> = { firstSeen: receivedAt, lastSeen: receivedAt, delivered };
    if (typeof data.title === 'string') state.title = data.title;
    if (routed.severity !== undefined) state.severity = routed.severity;
    if (prepared.severity !== undefined) state.originalSeverity = prepared.severity;
    if (routed.asset !== undefined) state.asset = routed.asset;
    if (status !== undefined) state.status = status;
    const update: FindingUpdate = { id, state, statusMode: isNew ? 'initial' : 'set' };
    if (this.#kept === undefined || this.#kept.has(id)) this.#states.set(id, mergeFinding(this.#states.get(id), update));
    return update;
  }
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A status as the bridge compares it: trimmed and lower-cased; undefined when there is none. */
export function normalizeStatus(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : undefined;
}

/** Whether a state has something to tell a status change with (one of an unknown finding leaves nothing). */
function knowsFinding(state: FindingState): boolean {
  return state.title !== undefined || state.originalSeverity !== undefined || state.asset !== undefined;
}

/** What a connector does with a status change: close what it opened, reopen it, or note it. */
export type StatusAction = 'close' | 'reopen' | 'comment';

/** A connector's `finding_status`: which `new_status` values close and which reopen (lower-case). */
export interface FindingStatusSets {
  readonly close: readonly string[];
  readonly reopen: readonly string[];
}

export const DEFAULT_FINDING_STATUS: FindingStatusSets = { close: ['resolved', 'false_positive'], reopen: ['open', 'reopened'] };

/** What `sets` make of a status change to `newStatus`; any other status (e.g. `in_progress`) is a comment. */
export function statusAction(sets: FindingStatusSets, newStatus: string | undefined): StatusAction {
  const status = normalizeStatus(newStatus);
  if (status === undefined) return 'comment';
  if (sets.close.includes(status)) return 'close';
  return sets.reopen.includes(status) ? 'reopen' : 'comment';
}
