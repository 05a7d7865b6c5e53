import { compileRegex, type Matcher } from './regex.js';

/**
 * Globs: `*` matches any run of characters (dots included), `?` one character. Several
 * patterns compile into one matcher of the whole text, in linear time (see regex.ts): globs
 * also test values from event data.
 */
export function compileGlobs(patterns: readonly string[], options: { readonly ignoreCase?: boolean } = {}): Matcher {
  const alternatives = patterns.map((p) => p.replace(/[*?]|[.+^${}()|[\]\\]/g, (c) => (c === '*' ? '(?s:.*)' : c === '?' ? '(?s:.)' : `\\${c}`)));
  return compileRegex(`(?:${alternatives.join('|')})`, { ...options, whole: true });
}
