/**
 * Event-type globs: `*` matches any run of characters (dots included), `?` one character.
 * Several patterns compile into one anchored RegExp.
 */
export function compileGlobs(patterns: readonly string[]): RegExp {
  const alternatives = patterns.map((p) =>
    p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.'),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}
