/**
 * What the fields of an event hold, where the documents say (the event stream's "Event Types",
 * its examples, the Scans API's finding fields) or the bridge itself sets them, and the `where:`
 * tests that can never hold on them: `data.tags: { in: [pci] }` compares a whole list with a
 * string. A wrong type is not an error at run time (the test is simply false), so it is worth a
 * warning from `validate` before it silently matches nothing.
 */

type Kind = 'text' | 'number' | 'boolean' | 'list' | 'object';

const TEXT = ['id', 'type', 'severity', 'original_severity', 'subscription', 'asset.id', 'asset.name'];
const DATA_TEXT = [
  'finding_id', 'title', 'severity', 'old_status', 'new_status', 'scan_id', 'asset_id', 'scan_type', 'phase', 'error',
  'action_id', 'execution_id', 'status', 'playbook_id', 'alert_type', 'message', 'timestamp', 'asset.id', 'asset.name',
  // The Scans API's finding fields, which a backfilled finding.new carries.
  'description', 'remediation', 'discovered_at',
];

const KINDS: ReadonlyMap<string, Kind> = new Map<string, Kind>([
  ...TEXT.map((path): [string, Kind] => [path, 'text']),
  ...DATA_TEXT.map((path): [string, Kind] => [`data.${path}`, 'text']),
  ['time', 'number'],
  ['received_at', 'number'],
  ['rules_fired', 'list'],
  ['enriched', 'boolean'],
  ['asset', 'object'],
  ['data.asset', 'object'],
  ['data.progress', 'number'],
  ['data.finding_count', 'number'],
  ['data.duration', 'number'],
  ['data.cvss', 'number'],
  ['data.backfilled', 'boolean'],
  // Not in the documents, but a list wherever it appears.
  ['data.tags', 'list'],
]);

/** The tests that can hold on each kind of value. */
const FITS: Readonly<Record<Kind, readonly string[]>> = {
  text: ['equals', 'in', 'glob', 'regex', 'exists', 'not'],
  number: ['equals', 'in', 'exists', '>', '>=', '<', '<=', 'not'],
  boolean: ['equals', 'in', 'exists', 'not'],
  list: ['contains', 'any_of', 'all_of', 'exists', 'not'],
  object: ['exists', 'not'],
};

const ADVICE: Readonly<Record<Kind, string>> = {
  text: 'test it with equals, in, glob or regex',
  number: 'compare it with ">", ">=", "<", "<=" or equals a number',
  boolean: 'test it with equals: true or false',
  list: 'test its items with contains, any_of or all_of',
  object: 'test one of its fields, e.g. data.asset.name',
};

type Report = (path: (string | number)[], message: string) => void;

/**
 * Reports each `where:` test in the severity rules' `when` and the routes' `match` (raw YAML,
 * before parsing) that cannot hold on the type its field is known to have.
 */
export function checkFieldTypes(raw: unknown, report: Report): void {
  const config = asObject(raw);
  asList(config?.severity_rules).forEach((rule, i) => checkCondition(asObject(rule)?.when, ['severity_rules', i, 'when'], report));
  asList(config?.routes).forEach((route, i) => checkCondition(asObject(route)?.match, ['routes', i, 'match'], report));
}

function checkCondition(value: unknown, path: (string | number)[], report: Report): void {
  const condition = asObject(value);
  if (!condition) return;
  for (const [field, tests] of Object.entries(asObject(condition.where) ?? {})) {
    const kind = KINDS.get(field);
    if (kind) checkTests(field, kind, tests, [...path, 'where', field], report);
  }
  for (const key of ['all', 'any'] as const) asList(condition[key]).forEach((nested, i) => checkCondition(nested, [...path, key, i], report));
  checkCondition(condition.not, [...path, 'not'], report);
}

function checkTests(field: string, kind: Kind, value: unknown, path: (string | number)[], report: Report): void {
  // As rules.ts reads them: a bare list is `in`, a bare value `equals`.
  const tests = asObject(value) ?? (Array.isArray(value) ? { in: value } : { equals: value });
  for (const [op, operand] of Object.entries(tests)) {
    if (op === 'not') {
      checkTests(field, kind, operand, [...path, 'not'], report);
    } else if (!FITS[kind].includes(op)) {
      report([...path, op], `${field} is ${ARTICLE[kind]}: "${op}" never holds on it; ${ADVICE[kind]}`);
    } else if ((op === 'equals' || op === 'in') && (kind === 'number' || kind === 'boolean')) {
      const wrong = (Array.isArray(operand) ? operand : [operand]).find((v) => typeof v !== (kind === 'number' ? 'number' : 'boolean'));
      if (wrong !== undefined) report([...path, op], `${field} is ${ARTICLE[kind]}: ${JSON.stringify(wrong)} never equals it; ${ADVICE[kind]}`);
    }
  }
}

const ARTICLE: Readonly<Record<Kind, string>> = { text: 'text', number: 'a number', boolean: 'true or false', list: 'a list', object: 'an object' };

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
