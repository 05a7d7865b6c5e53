/**
 * A JQL string literal. Values are always double-quoted with `\` and `"` escaped, so nothing
 * in them (a finding id from the event stream) can end the literal and add clauses.
 */
export function jqlString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The issues of `project` carrying `label`. */
export function labelQuery(project: string, label: string): string {
  return `project = ${jqlString(project)} AND labels = ${jqlString(label)}`;
}
