import { createRedactor, MASK } from '../observability/redact.js';
import type { ConfigIssue } from './errors.js';

/** One scalar of the YAML that held `${VAR}` or `${file:…}` references. */
export interface InjectedScalar {
  /** Its YAML path, as issues write it (`server.listen`, `routes[0].to[1]`). */
  readonly path: string;
  /** Its references as written, e.g. `${file:/run/secrets/token}`: safe to show. */
  readonly references: readonly string[];
  /** What its references resolved to: secrets, whatever the field. */
  readonly values: readonly string[];
}

/**
 * The shortest piece of an injected value masked in a message about its scalar: long enough not
 * to mask the message's own words by chance (a whole value is masked from 4 characters on).
 */
const PIECE = 6;

/**
 * Issues whose messages show nothing that came from the environment or a file: each such value
 * is masked wherever it appears, whole and line by line (a file's content may be quoted one line
 * at a time); in a message about one of those scalars, so is any piece of its value (a value
 * shortened to fit, a template's or a regex's parse error quoting an excerpt), and the message
 * says where the value came from.
 */
export function maskInjected(issues: readonly ConfigIssue[], scalars: readonly InjectedScalar[]): ConfigIssue[] {
  if (scalars.length === 0) return [...issues];
  const redact = createRedactor(scalars.flatMap((s) => s.values.flatMap((value) => [value, ...value.split(/\r?\n/)])));
  return issues.map((issue) => {
    const own = scalars.filter((s) => within(s.path, issue.path) || within(issue.path, s.path));
    const message = own.reduce((text, s) => s.values.reduce(maskPieces, text), redact(issue.message));
    // A key read from the environment is in the path too.
    const path = redact(issue.path);
    if (message === issue.message) return { ...issue, path };
    const from = own.flatMap((s) => s.references);
    return { ...issue, path, message: from.length > 0 ? `${message} (the value of ${[...new Set(from)].join(', ')}, not shown)` : message };
  });
}

/** `path` is `parent` or inside it (`a.b` is within `a` and `a.b`, not within `a.bc`). */
function within(path: string, parent: string): boolean {
  return parent === '' || path === parent || (path.startsWith(parent) && (path[parent.length] === '.' || path[parent.length] === '['));
}

/** Masks every run of `PIECE` or more characters of `text` that also occurs in `value`, longest first from the left. */
function maskPieces(text: string, value: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    let length = 0;
    while (i + length < text.length && value.includes(text.slice(i, i + length + 1))) length++;
    if (length >= PIECE) {
      out += MASK;
      i += length;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}
