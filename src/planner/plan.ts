import type { RouteConfig } from '../config/rules.js';
import { compileGlobs } from '../pipeline/glob.js';
import { FINDING_NEW, FINDING_STATUS_CHANGED } from '../pipeline/lifecycle.js';

/** The event types the platform documents (doc 000), heartbeat aside: what globs expand against. */
export const PLATFORM_EVENT_TYPES = [
  'scan.created',
  'scan.progress',
  'scan.completed',
  'scan.failed',
  'finding.new',
  'finding.status_changed',
  'action.triggered',
  'action.completed',
  'playbook.started',
  'playbook.completed',
  'system.alert',
] as const;

/** Types the bridge makes itself from scan progress streams: never asked of the event stream. */
export const PROGRESS_TYPE_PREFIX = 'scan_progress.';

/** The name of the one subscription the planner derives. */
export const PLANNED_SUBSCRIPTION = 'events';

export interface PlannedSubscription {
  readonly name: string;
  /** Exact types for the platform's `events` filter; undefined: every type. */
  readonly events: string[] | undefined;
  readonly assetId: string | undefined;
}

/** What the routes need from the event stream. */
export interface Demand {
  /** Exact types, sorted; undefined when some route takes every type. */
  readonly events: string[] | undefined;
  /** Routes that bound the demand (the rest take no event-stream events, or are silences). */
  readonly routes: readonly string[];
  /** Patterns that matched no documented type and were passed on as they are, or dropped (globs). */
  readonly unmatchedGlobs: readonly string[];
}

/**
 * The event types the delivering routes can match, from their conditions' `events` bounds (a
 * superset: a condition holding on severity or fields still needs its types). Globs expand
 * against the documented types and those the config declares (`source.extra_event_types`);
 * `scan_progress.*` types come from progress streams, not from here. `extra` are types the
 * bridge itself needs (scan.created, to follow scans).
 */
export function demandOf(routes: readonly RouteConfig[], extra: readonly string[] = [], declared: readonly string[] = []): Demand {
  const streamTypes = [...PLATFORM_EVENT_TYPES, ...declared];
  const types = new Set<string>(extra);
  const unmatchedGlobs: string[] = [];
  let all = false;
  const used: string[] = [];
  for (const route of routes) {
    if (route.drop) continue; // a silence takes events away, it needs none
    used.push(route.name);
    const patterns = route.match.events;
    if (patterns === undefined) {
      all = true;
      continue;
    }
    const mine = new Set<string>();
    for (const pattern of patterns) {
      if (pattern.startsWith(PROGRESS_TYPE_PREFIX)) continue;
      if (!/[*?]/.test(pattern)) {
        mine.add(pattern);
        continue;
      }
      const match = compileGlobs([pattern]);
      const expanded = streamTypes.filter((t) => match(t));
      // `*` and `s*` match every documented type: ask for all, so newer types come too.
      if (expanded.length === streamTypes.length) all = true;
      else if (expanded.length === 0 && !match(`${PROGRESS_TYPE_PREFIX}x`)) unmatchedGlobs.push(pattern);
      for (const t of expanded) mine.add(t);
    }
    // Its findings' status changes follow them to its connectors: they must come too.
    if (mine.has(FINDING_NEW) && followsFindings(route)) mine.add(FINDING_STATUS_CHANGED);
    for (const t of mine) types.add(t);
  }
  return { events: all ? undefined : [...types].filter((t) => t !== 'heartbeat').sort(), routes: used, unmatchedGlobs };
}

/** Whether the status changes of the findings `route` delivers follow them (send_resolved; not through a digest). */
export function followsFindings(route: RouteConfig): boolean {
  return route.sendResolved && !route.drop && route.digest === undefined;
}

/**
 * The fewest connections that carry what the routes need: one, with the platform filtering on
 * the union of their types. Asset filters stay local (routes' `asset_id` conditions), since one
 * connection takes one `asset_id`; unless every delivering route is bound to the same single
 * asset, which the platform then filters too.
 */
export function planSubscriptions(routes: readonly RouteConfig[], extra: readonly string[] = [], declared: readonly string[] = []): PlannedSubscription[] {
  const demand = demandOf(routes, extra, declared);
  return [{ name: PLANNED_SUBSCRIPTION, events: demand.events, assetId: singleAsset(routes) }];
}

/** The one asset id every delivering route is bound to, if there is exactly one (and no extra type is needed). */
function singleAsset(routes: readonly RouteConfig[]): string | undefined {
  const assets = new Set<string>();
  for (const route of routes) {
    if (route.drop) continue;
    const ids = route.match.assetIds;
    if (ids === undefined) return undefined;
    for (const id of ids) assets.add(id);
  }
  return assets.size === 1 ? [...assets][0] : undefined;
}

export interface SubscriptionLike {
  readonly name: string;
  readonly events?: readonly string[] | undefined;
  readonly assetId?: string | undefined;
}

/**
 * Why explicit subscriptions do not fit, and which could be merged: those with the same asset
 * filter (or none) can be one connection with the union of their types; and with no
 * `subscriptions:` at all the planner needs one connection, applying asset filters locally.
 */
export function mergeAdvice(subscriptions: readonly SubscriptionLike[], available: number): string[] {
  const groups = new Map<string, SubscriptionLike[]>();
  for (const s of subscriptions) {
    const key = s.assetId ?? '';
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const lines: string[] = [];
  for (const [asset, members] of groups) {
    if (members.length < 2) continue;
    const events = members.some((m) => m.events === undefined) ? 'all events' : `events [${[...new Set(members.flatMap((m) => m.events ?? []))].join(', ')}]`;
    lines.push(`merge ${members.map((m) => m.name).join(' + ')}${asset ? ` (asset ${asset})` : ''} into one subscription with ${events}`);
  }
  const merged = groups.size;
  if (merged <= available && lines.length > 0) lines.push(`that makes ${merged} connection${merged === 1 ? '' : 's'}`);
  if (merged > available || groups.size > 1) {
    lines.push(`or omit subscriptions: the planner then uses 1 connection and applies asset filters in the routes (match: { asset_id: … })`);
  }
  return lines;
}
