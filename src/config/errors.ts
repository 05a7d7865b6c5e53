/** One problem in a config file, located so an engineer can go straight to it. */
export interface ConfigIssue {
  /** Dotted YAML path, e.g. `connectors.splunk.token` or `routes[0].to[1]`. */
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  readonly issues: readonly ConfigIssue[];

  /** `issues` are kept in the order of the file (those of the file as a whole first). */
  constructor(
    readonly file: string,
    issues: readonly ConfigIssue[],
  ) {
    const ordered = [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    super(`${file}: ${ordered.length} problem${ordered.length === 1 ? '' : 's'}\n${ordered.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.issues = ordered;
  }
}

/** `routes[0].to (line 14:9): …`; an issue of the file as a whole (syntax, size) has no path. */
export function formatIssue(issue: ConfigIssue): string {
  const line = issue.line !== undefined ? `line ${issue.line}:${issue.column ?? 1}` : undefined;
  const where = issue.path ? `${issue.path}${line ? ` (${line})` : ''}` : line;
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** `['routes', 0, 'to', 1]` → `routes[0].to[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}
