/**
 * What the bridge remembers of each finding between its events, so that a status change, which
 * the platform sends with ids and statuses only, can be told with the finding's title, severity
 * and asset, and reach every connector that received the finding. Both stores keep it, written
 * in the same atomic step as the outbox appends and the checkpoint of the event that changed it
 * (Store.ingest), and for `findings.retention` since the finding was last seen, at most
 * `findings.max_findings` of them (the least recently seen go first).
 */
export interface FindingState {
  readonly title?: string;
  /** After the severity rules, as its latest event was routed. */
  readonly severity?: string;
  /** As the platform reported it, before the rules. */
  readonly originalSeverity?: string;
  readonly asset?: { readonly id?: string; readonly name?: string };
  /** Its status as the platform last said: `open` from its finding.new, then each status change's `new_status`. */
  readonly status?: string;
  /** When an event about it was first and last received, epoch ms. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Connector → the routes that delivered an event about the finding to it. */
  readonly delivered: Readonly<Record<string, readonly string[]>>;
}

/**
 * What one event changes in its finding's state; a store applies it only when it appends the
 * event (a replayed id changes nothing). `state` is what it leaves on a finding not known yet,
 * and what it sets on one that is, except: `firstSeen` keeps the earlier, `lastSeen` the later,
 * `delivered` adds to what is there, and an `initial` status (a finding.new's) changes none.
 */
export interface FindingUpdate {
  readonly id: string;
  readonly state: FindingState;
  readonly statusMode: 'set' | 'initial';
}

/** Defaults of `findings.retention` and `findings.max_findings`. */
export const FINDING_DEFAULTS = { retentionMs: 90 * 86_400_000, maxFindings: 200_000 } as const;

/** How long a finding is remembered after it was last seen, and how many are. */
export interface FindingLimits {
  readonly retentionMs: number;
  readonly maxFindings: number;
}

/** Finding ids longer than this are not remembered: a real one is a few dozen characters. */
export const MAX_FINDING_ID_LENGTH = 256;

/** `update` applied to `state` (absent: a finding not known yet). The Redis store does the same in Lua (lua/ingest-4.lua). */
export function mergeFinding(state: FindingState | undefined, update: FindingUpdate): FindingState {
  const next = update.state;
  if (state === undefined) return next;
  const delivered: Record<string, string[]> = {};
  for (const [connector, routes] of Object.entries(state.delivered)) delivered[connector] = [...routes];
  for (const [connector, routes] of Object.entries(next.delivered)) {
    // Own properties only: a connector may be named `constructor`.
    const known = Object.hasOwn(delivered, connector) ? delivered[connector]! : (delivered[connector] = []);
    for (const route of routes) if (!known.includes(route)) known.push(route);
  }
  return {
    ...state,
    ...next,
    ...(update.statusMode === 'initial' && state.status !== undefined && { status: state.status }),
    firstSeen: Math.min(state.firstSeen, next.firstSeen),
    lastSeen: Math.max(state.lastSeen, next.lastSeen),
    delivered,
  };
}

/** Whether a stored state is still within its retention at `now`. */
export function isRetained(state: FindingState, now: number, retentionMs: number): boolean {
  return state.lastSeen >= now - retentionMs;
}
