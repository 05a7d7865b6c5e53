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

  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line !== undefined ? ` (line ${issue.line}:${issue.column ?? 1})` : '';
  return `${issue.path || '(top level)'}${where}: ${issue.message}`;
}

/** `['routes', 0, 'to', 1]` → `routes[0].to[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}
