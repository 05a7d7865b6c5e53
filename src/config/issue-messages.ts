import type { z } from 'zod';
import { didYouMean } from './suggest.js';

type RawIssue = z.core.$ZodRawIssue;

/** What a YAML value is, in the words of a YAML file rather than JavaScript's. */
function kindOf(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return 'true/false';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  return `a ${typeof value}`;
}

const EXPECTED: Readonly<Record<string, string>> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/** Shown in place of a value: short, on one line. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Most allowed values listed in a message (syslog facilities are 24). */
const LISTED = 8;

function oneOf(values: readonly unknown[]): string {
  if (values.length === 1) return shown(values[0]);
  const listed = values.slice(0, LISTED).map((v) => shown(v));
  return `one of ${listed.join(', ')}${values.length > LISTED ? ', …' : ''}`;
}

function bound(issue: Extract<RawIssue, { code: 'too_small' | 'too_big' }>): string | undefined {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'number':
    case 'int':
      return `${inclusive ? (small ? 'at least' : 'at most') : small ? 'above' : 'below'} ${limit}, got ${shown(issue.input)}`;
    case 'string':
      return small && limit === 1 ? 'must not be empty' : `${small ? 'at least' : 'at most'} ${limit} characters`;
    case 'array':
      return small && limit === 1 ? 'give at least one' : `${small ? 'at least' : 'at most'} ${limit} items`;
    default:
      return undefined;
  }
}

/** The types a union's alternatives expected, when every one of them failed on the type. */
function alternatives(issue: Extract<RawIssue, { code: 'invalid_union' }>): string | undefined {
  const expected = issue.errors.map((branch) => {
    const first = branch[0];
    if (first?.code === 'invalid_type') return EXPECTED[first.expected] ?? first.expected;
    if (first?.code === 'invalid_value') return oneOf(first.values);
    return undefined;
  });
  if (expected.some((e) => e === undefined)) return undefined;
  const values = issue.errors.flatMap((branch) => (branch[0]?.code === 'invalid_value' ? branch[0].values.map(String) : []));
  const meant = typeof issue.input === 'string' ? didYouMean(issue.input, values) : '';
  return `expected ${[...new Set(expected)].join(' or ')}, got ${kindOf(issue.input)}${meant}`;
}

/**
 * Messages for zod's own issues, as a user of a YAML file needs them: `expected a number, got
 * a string` (never "required" for a value that is there), the allowed values with the closest
 * one, bounds in plain words. Messages a schema sets itself win (zod's order); an issue this does
 * not improve keeps zod's message. One instance per parse: it also remembers, for each mapping
 * with unknown keys, the keys it takes (see `knownKeys`).
 */
export function issueMessages() {
  const known = new WeakMap<object, readonly string[]>();
  const error = (issue: RawIssue): string | undefined => {
    switch (issue.code) {
      case 'invalid_type':
        if (issue.input === undefined) return 'required';
        return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}`;
      case 'invalid_value':
        return `expected ${oneOf(issue.values)}, got ${shown(issue.input)}${typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.map(String)) : ''}`;
      case 'too_small':
      case 'too_big':
        return bound(issue);
      case 'invalid_union':
        return alternatives(issue);
      case 'unrecognized_keys': {
        const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
        if (shape && issue.input !== null && typeof issue.input === 'object') known.set(issue.input, Object.keys(shape));
        return undefined;
      }
      default:
        return undefined;
    }
  };
  return {
    /** Pass as `safeParse(input, { error })`. */
    error,
    /** `unknown key "indx"; did you mean "index"?` for a key of `mapping` (the issue's input). */
    unknownKey(key: string, mapping: unknown, alsoKnown: readonly string[] = []): string {
      const keys = mapping !== null && typeof mapping === 'object' ? known.get(mapping) : undefined;
      return `unknown key "${key}"${didYouMean(key, [...(keys ?? []), ...alsoKnown])}`;
    },
  };
}

export type IssueMessages = ReturnType<typeof issueMessages>;
