import { compileGlobs } from './glob.js';
import type { Matcher } from './regex.js';
import { severityRank, type Severity } from './severity.js';
import { valueAt, type EventView } from './view.js';

/**
 * One compiled condition of a severity rule's `when` or a route's `match`. `test` returns
 * undefined when the event meets it, else the label of the first part it fails (test-route
 * shows it). Never throws: a value of the wrong type simply does not match.
 */
export interface Condition {
  /** What it requires, as the YAML writes it, e.g. `events: finding.*; min_severity: high`. */
  readonly label: string;
  test(event: EventView): string | undefined;
  /**
   * Event type patterns outside of which it can never hold (absent: it may hold for any type).
   * A superset, for the connection planner: which types the platform must send.
   */
  readonly events?: readonly string[];
  /** Asset ids outside of which it can never hold (absent: any asset, or none); for the planner too. */
  readonly assetIds?: readonly string[];
}

export type Scalar = string | number | boolean | null;

/** One test of the value at a `where:` path. */
export type FieldTest =
  | { readonly op: 'equals'; readonly value: Scalar }
  | { readonly op: 'in'; readonly values: readonly Scalar[] }
  | { readonly op: 'glob' | 'regex'; readonly source: string; readonly match: Matcher }
  | { readonly op: 'exists'; readonly value: boolean }
  | { readonly op: '>' | '>=' | '<' | '<='; readonly value: number }
  /** On a list: it holds `value`; holds one of `values`; holds all of `values`. */
  | { readonly op: 'contains'; readonly value: Scalar }
  | { readonly op: 'any_of' | 'all_of'; readonly values: readonly Scalar[] }
  /** None of `tests` holds together: `data.tags: { not: { contains: dev } }`. */
  | { readonly op: 'not'; readonly tests: readonly FieldTest[] };

/** Keepalives are not findings: only an `events` list that names `heartbeat` exactly matches one. */
const HEARTBEAT = 'heartbeat';
/** Most event types, and longest, whose match an `events` condition remembers. */
const REMEMBERED_TYPES = 256;
const REMEMBERED_TYPE_LENGTH = 128;

export const always: Condition = { label: 'always', test: () => undefined };

/** Holds when `holds` does; fails with `label`. */
function check(label: string, holds: (event: EventView) => boolean): Condition {
  return { label, test: (event) => (holds(event) ? undefined : label) };
}

export function eventTypes(patterns: readonly string[]): Condition {
  const match = compileGlobs(patterns);
  const heartbeat = patterns.includes(HEARTBEAT);
  // A few types recur on every event: each one's answer is remembered rather than matched again
  // (~100-400 ns a match). Bounded: the stream may send any number of types, of any length.
  const answers = new Map<string, boolean>();
  const holds = (type: string): boolean => {
    let answer = answers.get(type);
    if (answer === undefined) {
      answer = type === HEARTBEAT ? heartbeat : match(type);
      if (answers.size < REMEMBERED_TYPES && type.length <= REMEMBERED_TYPE_LENGTH) answers.set(type, answer);
    }
    return answer;
  };
  return { ...check(`events: ${patterns.join(', ')}`, (event) => holds(event.type)), events: patterns };
}

/** An unknown or absent severity meets no threshold. */
export function severityBound(bound: 'min_severity' | 'max_severity', severity: Severity): Condition {
  const limit = severityRank(severity)!;
  return check(`${bound}: ${severity}`, (event) => {
    const rank = severityRank(event.severity);
    return rank !== undefined && (bound === 'min_severity' ? rank >= limit : rank <= limit);
  });
}

export function assetIds(ids: readonly string[]): Condition {
  return { ...check(`asset_id: ${ids.join(', ')}`, (event) => event.asset?.id !== undefined && ids.includes(event.asset.id)), assetIds: ids };
}

/** Host names ignore case. */
export function assetNames(patterns: readonly string[]): Condition {
  const match = compileGlobs(patterns, { ignoreCase: true });
  return check(`asset_name: ${patterns.join(', ')}`, (event) => event.asset?.name !== undefined && match(event.asset.name));
}

export function field(path: string, test: FieldTest): Condition {
  const keys = path.split('.');
  const holds = fieldPredicate(test);
  return check(`${path} ${describe(test)}`, (event) => holds(valueAt(event, keys)));
}

/** Every condition holds; fails with the first that does not. */
export function allOf(conditions: readonly Condition[]): Condition {
  if (conditions.length === 0) return always;
  if (conditions.length === 1) return conditions[0]!;
  // All must hold: any one part's types bound the whole (the narrowest is kept).
  // A bare `*` (a route's default) bounds nothing: another part's types, when there is one.
  const bounded = conditions
    .filter((c) => c.events !== undefined)
    .sort((a, b) => Number(a.events!.includes('*')) - Number(b.events!.includes('*')) || a.events!.length - b.events!.length)[0];
  const onAssets = conditions.filter((c) => c.assetIds !== undefined).sort((a, b) => a.assetIds!.length - b.assetIds!.length)[0];
  return {
    label: conditions.map((c) => c.label).join('; '),
    ...(bounded && { events: bounded.events }),
    ...(onAssets && { assetIds: onAssets.assetIds }),
    test(event) {
      for (const condition of conditions) {
        const failed = condition.test(event);
        if (failed !== undefined) return failed;
      }
      return undefined;
    },
  };
}

export function anyOf(conditions: readonly Condition[]): Condition {
  const label = `any of (${conditions.map((c) => c.label).join(' | ')})`;
  // One part holding is enough: bounded only when every part is.
  const events = conditions.every((c) => c.events !== undefined) ? [...new Set(conditions.flatMap((c) => c.events!))] : undefined;
  const assets = conditions.every((c) => c.assetIds !== undefined) ? [...new Set(conditions.flatMap((c) => c.assetIds!))] : undefined;
  return { label, ...(events && { events }), ...(assets && { assetIds: assets }), test: (event) => (conditions.some((c) => c.test(event) === undefined) ? undefined : label) };
}

export function not(condition: Condition): Condition {
  const label = `not (${condition.label})`;
  return { label, test: (event) => (condition.test(event) === undefined ? label : undefined) };
}

function fieldPredicate(test: FieldTest): (value: unknown) => boolean {
  switch (test.op) {
    case 'equals':
      return (value) => value === test.value;
    case 'in':
      return (value) => test.values.includes(value as Scalar);
    case 'glob':
    case 'regex':
      return (value) => typeof value === 'string' && test.match(value);
    case 'exists':
      return (value) => (value !== undefined && value !== null) === test.value;
    case '>':
      return (value) => typeof value === 'number' && value > test.value;
    case '>=':
      return (value) => typeof value === 'number' && value >= test.value;
    case '<':
      return (value) => typeof value === 'number' && value < test.value;
    case '<=':
      return (value) => typeof value === 'number' && value <= test.value;
    case 'contains':
      return (value) => Array.isArray(value) && value.includes(test.value);
    case 'any_of':
      return (value) => Array.isArray(value) && test.values.some((wanted) => value.includes(wanted));
    case 'all_of':
      return (value) => Array.isArray(value) && test.values.every((wanted) => value.includes(wanted));
    case 'not': {
      const all = test.tests.map(fieldPredicate);
      return (value) => !all.every((holds) => holds(value));
    }
  }
}

function describe(test: FieldTest): string {
  switch (test.op) {
    case 'equals':
      return `equals ${JSON.stringify(test.value)}`;
    case 'in':
      return `in ${JSON.stringify(test.values)}`;
    case 'glob':
    case 'regex':
      return `${test.op} ${JSON.stringify(test.source)}`;
    case 'exists':
      return test.value ? 'exists' : 'does not exist';
    case 'contains':
      return `contains ${JSON.stringify(test.value)}`;
    case 'any_of':
    case 'all_of':
      return `${test.op} ${JSON.stringify(test.values)}`;
    case 'not':
      return `not (${test.tests.map(describe).join(' and ')})`;
    default:
      return `${test.op} ${test.value}`;
  }
}
