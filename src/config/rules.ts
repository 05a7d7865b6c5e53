import { z } from 'zod';
import * as conditions from '../pipeline/conditions.js';
import type { Condition, FieldTest } from '../pipeline/conditions.js';
import { compileGlobs } from '../pipeline/glob.js';
import { compileRegex } from '../pipeline/regex.js';
import { severityRank } from '../pipeline/severity.js';
import { template } from '../templates/compile.js';
import { eventPattern, name, severity } from './primitives.js';
import { duration } from './units.js';

/**
 * The rules sections of the YAML (`severity_defaults`, `severity_rules`, `routes`, `tests`),
 * compiled while they are parsed: a condition comes out as a Condition, a regex as a matcher,
 * a template as a Template, and any error carries the YAML path of the value at fault.
 */

/**
 * One value or a list of them: `events: finding.new` or `events: [finding.new, scan.failed]`.
 * A union, not a preprocess, so that the JSON Schema takes both forms.
 */
function oneOrMore<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item).min(1)]).transform((value): z.output<T>[] => (Array.isArray(value) ? (value as z.output<T>[]) : [value as z.output<T>]));
}

const fieldPath = z.string().regex(/^[A-Za-z_][\w-]*(\.[\w-]+)*$/, 'a dotted field path, e.g. data.cvss or asset.name');
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'a string, number, true/false or null' });
const number = z.number({ error: 'a number (comparisons hold only between numbers)' });

const regex = z.string().transform((source, ctx) => {
  try {
    return { source, match: compileRegex(source) };
  } catch (error) {
    // `continue`: the `where:` union then reports this, rather than that no form fitted.
    ctx.addIssue({ code: 'custom', message: (error as Error).message, continue: true });
    return z.NEVER;
  }
});

const COMPARISONS = ['>', '>=', '<', '<='] as const;
const LIST_TESTS = ['any_of', 'all_of'] as const;

/** `where:` tests by name; a bare value or list is one of them (below). */
const namedTests = z
  .strictObject({
    equals: scalar.optional(),
    in: z.array(scalar).min(1).optional(),
    glob: z.string().min(1).optional(),
    regex: regex.optional(),
    exists: z.boolean().optional(),
    '>': number.optional(),
    '>=': number.optional(),
    '<': number.optional(),
    '<=': number.optional(),
    contains: scalar.optional(),
    any_of: z.array(scalar).min(1).optional(),
    all_of: z.array(scalar).min(1).optional(),
    not: z.lazy(() => fieldTests).optional(),
  })
  .refine((t) => Object.keys(t).length > 0, {
    message: `give a test: equals, in, glob, regex, exists, ${COMPARISONS.map((c) => `"${c}"`).join(', ')}, contains, any_of, all_of, not`,
    // An unknown key is reported as such, not also as a missing test.
    when: (payload) => payload.issues.length === 0,
  });

/**
 * The tests of one `where:` path, all of which must hold. A bare value is `equals`, a bare
 * list is `in`: `data.status: open`, `data.status: [open, reopened]`. `contains`, `any_of` and
 * `all_of` test a list (`data.tags: { any_of: [pci, hipaa] }`); `not` negates tests.
 */
const fieldTests: z.ZodType<FieldTest[]> = z
  .union([
    namedTests,
    z.array(scalar).min(1).transform((values): z.output<typeof namedTests> => ({ in: values })),
    scalar.transform((value): z.output<typeof namedTests> => ({ equals: value })),
  ])
  .transform((t): FieldTest[] => [
    ...(t.equals !== undefined ? [{ op: 'equals' as const, value: t.equals }] : []),
    ...(t.in ? [{ op: 'in' as const, values: t.in }] : []),
    ...(t.glob !== undefined ? [{ op: 'glob' as const, source: t.glob, match: compileGlobs([t.glob]) }] : []),
    ...(t.regex ? [{ op: 'regex' as const, ...t.regex }] : []),
    ...(t.exists !== undefined ? [{ op: 'exists' as const, value: t.exists }] : []),
    ...COMPARISONS.flatMap((op) => (t[op] !== undefined ? [{ op, value: t[op] }] : [])),
    ...(t.contains !== undefined ? [{ op: 'contains' as const, value: t.contains }] : []),
    ...LIST_TESTS.flatMap((op) => (t[op] ? [{ op, values: t[op] }] : [])),
    ...(t.not ? [{ op: 'not' as const, tests: t.not }] : []),
  ]);

/**
 * A condition: every key given must hold; `all`, `any` and `not` nest further conditions.
 * Parts are tested in this fixed order, so "the first that failed" is predictable.
 */
function conditionOf(defaultEvents?: string[]) {
  return z
    .strictObject({
      events: eventList.optional(),
      min_severity: severity.optional(),
      max_severity: severity.optional(),
      asset_id: oneOrMore(z.string().min(1)).optional(),
      asset_name: oneOrMore(z.string().min(1)).optional(),
      where: z
        .record(fieldPath, fieldTests, { error: (issue) => (issue.code === 'invalid_key' ? 'not a dotted field path, e.g. data.cvss or asset.name' : undefined) })
        .optional(),
      all: z.array(condition).min(1).optional(),
      any: z.array(condition).min(1).optional(),
      not: condition.optional(),
    })
    .superRefine((c, ctx) => {
      if (c.min_severity && c.max_severity && severityRank(c.min_severity)! > severityRank(c.max_severity)!) {
        ctx.addIssue({ code: 'custom', path: ['max_severity'], message: `below min_severity ${c.min_severity}: nothing can match` });
      }
    })
    .transform((c): Condition => {
      const events = c.events ?? defaultEvents;
      const parts = [
        events && conditions.eventTypes(events),
        c.min_severity && conditions.severityBound('min_severity', c.min_severity),
        c.max_severity && conditions.severityBound('max_severity', c.max_severity),
        c.asset_id && conditions.assetIds(c.asset_id),
        c.asset_name && conditions.assetNames(c.asset_name),
        ...Object.entries(c.where ?? {}).flatMap(([path, tests]) => tests.map((test) => conditions.field(path, test))),
        ...(c.all ?? []),
        c.any && conditions.anyOf(c.any),
        c.not && conditions.not(c.not),
      ];
      return conditions.allOf(parts.filter((p): p is Condition => p !== undefined));
    });
}

const eventList = oneOrMore(eventPattern);

/** A severity rule's `when`, or a nested condition: no `events` means any type. */
export const condition: z.ZodType<Condition> = z.lazy(() => conditionOf()).meta({ id: 'condition' });
/** A route's `match`: no `events` means every type but heartbeats, as before. */
const routeMatch = z.lazy(() => conditionOf(['*']));

/** `scan.failed: medium`, `action.*: info`: the severity of events that carry none. */
export const severityDefaults = z
  .record(eventPattern, severity)
  .default({})
  .transform((table) => Object.entries(table).map(([pattern, value]) => ({ pattern, severity: value })));

const STEPS = z.number().int().min(1).max(4);

export const severityRule = z
  .strictObject({
    name,
    when: condition.optional(),
    set: severity.optional(),
    raise: STEPS.optional(),
    lower: STEPS.optional(),
    /** No later rule applies to an event this one changed. */
    final: z.boolean().default(false),
  })
  .superRefine((r, ctx) => {
    const effects = (['set', 'raise', 'lower'] as const).filter((k) => r[k] !== undefined);
    if (effects.length !== 1) {
      ctx.addIssue({ code: 'custom', path: effects.length > 1 ? [effects[1]!] : [], message: 'give exactly one of set, raise, lower' });
    }
  })
  .transform((r) => ({
    name: r.name,
    when: r.when ?? conditions.always,
    effect: r.set !== undefined ? { set: r.set } : { shift: r.raise ?? -r.lower! },
    final: r.final,
  }));

const window = duration.refine((ms) => ms > 0, 'a window longer than 0');

export const route = z
  .strictObject({
    name,
    match: routeMatch.prefault({}),
    to: z.array(z.string()).min(1).optional(),
    /** false: a match stops the evaluation of later routes. */
    continue: z.boolean().default(true),
    /** Silences what it matches: later routes do not see it. */
    drop: z.boolean().default(false),
    /** When a silence ends (ISO-8601 with a zone). */
    until: z.iso.datetime({ offset: true, error: 'an ISO-8601 time with its zone, e.g. 2026-05-01T06:00:00Z' }).optional(),
    /** The same key is delivered once per window (per route, across replicas and restarts). */
    dedupe: z.strictObject({ key: template(), window }).optional(),
    /** Events are held and delivered as one `digest` event per window, or as soon as max_events are held. */
    digest: z.strictObject({ window, max_events: z.number().int().min(1).max(1_000).default(50) }).optional(),
    /**
     * A finding's status changes follow it to the connectors this route delivered it to, even
     * where the route no longer matches them (default); false: only where it does.
     */
    send_resolved: z.boolean().optional(),
  })
  .superRefine((r, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (r.drop) {
      for (const key of ['to', 'dedupe', 'digest', 'send_resolved'] as const) if (r[key] !== undefined) issue(key, 'a drop route delivers nothing: remove it, or drop: true');
    } else {
      if (r.to === undefined) issue('to', 'required: the connectors to deliver to (or drop: true to silence)');
      if (r.until !== undefined) issue('until', 'only a silence (drop: true) expires');
    }
  })
  .transform((r) => ({
    name: r.name,
    match: r.match,
    to: r.to ?? [],
    continue: r.continue,
    drop: r.drop,
    sendResolved: r.send_resolved ?? true,
    ...(r.until !== undefined && { until: Date.parse(r.until) }),
    ...(r.dedupe && { dedupe: { key: r.dedupe.key, windowMs: r.dedupe.window } }),
    ...(r.digest && { digest: { windowMs: r.digest.window, maxEvents: r.digest.max_events } }),
  }));

const testEvent = z.strictObject({
  type: z.string().min(1),
  id: z.string().min(1).default('test'),
  data: z.record(z.string(), z.unknown()).default({}),
});

/** `tests:`, run by `s4e-bridge test`: an event and what the rules must make of it. */
export const ruleTest = z.strictObject({
  name: z.string().min(1),
  /** The time the routes are evaluated at (silences expire); now when absent. */
  at: z.iso.datetime({ offset: true, error: 'an ISO-8601 time with its zone' }).transform(Date.parse).optional(),
  /** Events routed first, in order: what a status change is then told with, and where it follows its finding. */
  after: oneOrMore(testEvent).optional(),
  event: testEvent,
  expect: z
    .strictObject({
      severity: z.string().transform((s) => s.toLowerCase()).optional(),
      /** Routes that must match (drop routes included). */
      routes: z.array(z.string()).optional(),
      not_routes: z.array(z.string()).optional(),
      /** Connectors the event must reach (by its routes, or following its finding), and must not. */
      connectors: z.array(z.string()).optional(),
      not_connectors: z.array(z.string()).optional(),
    })
    .refine((e) => Object.keys(e).length > 0, 'expect at least one of severity, routes, not_routes, connectors, not_connectors')
    .transform((e) => ({ severity: e.severity, routes: e.routes ?? [], notRoutes: e.not_routes ?? [], connectors: e.connectors ?? [], notConnectors: e.not_connectors ?? [] })),
});

export type SeverityRuleConfig = z.output<typeof severityRule>;
export type SeverityDefaultConfig = z.output<typeof severityDefaults>[number];
export type RouteConfig = z.output<typeof route>;
export type RuleTestConfig = z.output<typeof ruleTest>;

/** Checks across sections: tests name real routes and connectors, digests go to connectors that take them. */
export function checkRules(
  config: { readonly connectors: Readonly<Record<string, unknown>>; readonly routes: readonly RouteConfig[]; readonly tests: readonly RuleTestConfig[] },
  acceptsDigest: (connector: string) => boolean,
  report: (path: (string | number)[], message: string) => void,
): void {
  const routeNames = new Set(config.routes.map((r) => r.name));
  config.tests.forEach((test, i) => {
    const named = { routes: test.expect.routes, not_routes: test.expect.notRoutes, connectors: test.expect.connectors, not_connectors: test.expect.notConnectors };
    for (const [key, names] of Object.entries(named)) {
      const known = key.endsWith('routes') ? (name: string) => routeNames.has(name) : (name: string) => name in config.connectors;
      names.forEach((name, j) => {
        if (!known(name)) report(['tests', i, 'expect', key, j], `no ${key.endsWith('routes') ? 'route' : 'connector'} named "${name}"`);
      });
    }
  });
  config.routes.forEach((r, i) => {
    if (!r.digest) return;
    r.to.forEach((connector, j) => {
      if (connector in config.connectors && !acceptsDigest(connector)) report(['routes', i, 'to', j], `connector "${connector}" does not take digests; deliver to it from a route without digest:`);
    });
  });
}
