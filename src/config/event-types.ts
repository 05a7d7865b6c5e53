import { PLATFORM_EVENT_TYPES, PROGRESS_TYPE_PREFIX } from '../planner/plan.js';
import { compileGlobs } from '../pipeline/glob.js';
import { DIGEST_TYPE } from '../pipeline/digest.js';
import { closestTo } from './suggest.js';

/**
 * The event types a config may name, and the check that it names only those: a misspelled type
 * (`finding.neww`, `scan.complete`) or a glob that matches nothing (`findings.*`) would make a
 * route that never fires, and a subscription the platform filters to nothing.
 */

/** The event stream's keepalive (doc 000): sent on every stream, named only to route it. */
const HEARTBEAT = 'heartbeat';

/** The events of a scan's progress stream (doc 003), routed as `scan_progress.<event>`. */
const PROGRESS_EVENTS = ['status_change', 'stage_update', 'finding_added', 'scan_complete', 'error'] as const;

/** Every type the event stream documents: what a subscription may filter on. */
const STREAM_TYPES: readonly string[] = [...PLATFORM_EVENT_TYPES, HEARTBEAT];
/** Types that never come from the event stream: from progress streams, and the routes' digests. */
const BRIDGE_TYPES: readonly string[] = [...PROGRESS_EVENTS.map((e) => `${PROGRESS_TYPE_PREFIX}${e}`), DIGEST_TYPE];

/** Every type a config may name without declaring it (the README's "Event types" lists them). */
export const KNOWN_EVENT_TYPES: readonly string[] = [...STREAM_TYPES, ...BRIDGE_TYPES];

type Path = (string | number)[];
type Report = (path: Path, message: string, onKey?: boolean) => void;

/** The YAML as parsed, before the schema's transforms; the check runs once the schema accepted it. */
type Yaml = Record<string, unknown>;

/**
 * Reports every event type or glob of the config that names no known type: in subscriptions,
 * in the conditions of routes and severity rules (nested ones too), in `severity_defaults` and in
 * the `tests:` events, with the closest known names. `source.extra_event_types` adds types the
 * documents do not list yet; they go to the event stream like documented ones.
 */
export function checkEventTypes(yaml: Yaml, report: Report): void {
  const extra = strings(record(yaml.source)?.extra_event_types);
  const stream = [...STREAM_TYPES, ...extra];
  const known = [...stream, ...BRIDGE_TYPES];
  const families = [...new Set(known.filter((t) => t.includes('.')).map((t) => `${t.slice(0, t.lastIndexOf('.'))}.*`))];

  const checkPattern = (pattern: string, path: Path, onKey = false) => {
    if (/[*?]/.test(pattern)) {
      const match = compileGlobs([pattern]);
      if (!known.some((t) => match(t))) report(path, `"${pattern}" matches no event type${suggestion(pattern, [...families, ...known])}`, onKey);
    } else if (!known.includes(pattern)) {
      report(path, `"${pattern}" is not an event type${suggestion(pattern, known)}`, onKey);
    }
  };

  list(yaml.subscriptions).forEach((subscription, i) => {
    strings(record(subscription)?.events).forEach((type, j) => {
      const path = ['subscriptions', i, 'events', j];
      if (BRIDGE_TYPES.includes(type)) report(path, `"${type}" is made by the bridge, not sent on the event stream: route it, do not subscribe to it`);
      else if (!stream.includes(type)) report(path, `"${type}" is not an event type of the stream${suggestion(type, stream)}`);
    });
  });
  const checkCondition = (condition: unknown, path: Path): void => {
    const c = record(condition);
    if (!c) return;
    const events = typeof c.events === 'string' ? [c.events] : strings(c.events);
    events.forEach((pattern, j) => checkPattern(pattern, typeof c.events === 'string' ? [...path, 'events'] : [...path, 'events', j]));
    for (const key of ['all', 'any'] as const) list(c[key]).forEach((nested, k) => checkCondition(nested, [...path, key, k]));
    checkCondition(c.not, [...path, 'not']);
  };
  list(yaml.routes).forEach((route, i) => checkCondition(record(route)?.match, ['routes', i, 'match']));
  list(yaml.severity_rules).forEach((rule, i) => checkCondition(record(rule)?.when, ['severity_rules', i, 'when']));
  for (const pattern of Object.keys(record(yaml.severity_defaults) ?? {})) checkPattern(pattern, ['severity_defaults', pattern], true);
  list(yaml.tests).forEach((test, i) => {
    const type = record(record(test)?.event)?.type;
    if (typeof type === 'string' && !known.includes(type)) report(['tests', i, 'event', 'type'], `"${type}" is not an event type${suggestion(type, known)}`);
  });
}

/** `; did you mean "finding.new"?`, and how to allow a type the documents do not list yet. */
function suggestion(value: string, candidates: readonly string[]): string {
  const close = closestTo(value, candidates);
  return close.length > 0
    ? `; did you mean ${close.map((c) => `"${c}"`).join(' or ')}? (or declare a newer type in source.extra_event_types)`
    : ' (README "Event types" lists them; declare a newer type in source.extra_event_types)';
}

function record(value: unknown): Yaml | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Yaml) : undefined;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): string[] {
  return list(value).filter((v): v is string => typeof v === 'string');
}
