/**
 * What a quoted JQL string cannot hold raw: `"` and `\`, and what Atlassian's JQL grammar
 * refuses inside quotes (C0 and C1 controls, DEL, the noncharacters U+FDD0–U+FDEF, U+FFFE and
 * U+FFFF). Lone surrogates too (with the `u` flag a surrogate matches only when unpaired):
 * they are not text, and not every hop re-encodes them intact.
 */
const NOT_RAW = /["\\\u0000-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]/gu;

/** The grammar's short escapes; every other character in NOT_RAW becomes `\uXXXX`. */
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * A JQL string literal. Values are always double-quoted and escaped as the grammar defines
 * (`\"`, `\\`, `\t`, `\n`, `\r`, `\uXXXX`), so nothing in them (a finding id from the event
 * stream) can end the literal, add clauses, or make Jira refuse the query.
 */
export function jqlString(value: string): string {
  return `"${value.replace(NOT_RAW, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** The issues of `project` carrying `label`. */
export function labelQuery(project: string, label: string): string {
  return `project = ${jqlString(project)} AND labels = ${jqlString(label)}`;
}
