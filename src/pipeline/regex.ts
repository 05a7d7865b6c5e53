import { RE2JS } from 're2js';

/** Tests a string; compiled once, at load. */
export type Matcher = (text: string) => boolean;

/** Bounds one pattern's compiled program: rules are a config, not a place for megabyte regexes. */
const MAX_PROGRAM_SIZE = 10_000;

/**
 * A regular expression with RE2 semantics (re2js): matching takes time linear in the input
 * whatever the pattern, so a pattern like `(a+)+$` cannot hang the bridge on hostile event
 * data. RE2 has no backreferences or lookarounds; such a pattern is rejected with RE2's reason.
 * Unanchored (a match anywhere in the text) unless `whole`.
 */
export function compileRegex(source: string, options: { readonly ignoreCase?: boolean; readonly whole?: boolean } = {}): Matcher {
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(source, options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    throw new Error(`not a valid RE2 regular expression: ${(error as Error).message.replace(/^error parsing regexp: /, '')}`);
  }
  if (pattern.programSize() > MAX_PROGRAM_SIZE) throw new Error(`the regular expression is too large (program of ${pattern.programSize()} instructions; at most ${MAX_PROGRAM_SIZE})`);
  return options.whole ? (text) => pattern.testExact(text) : (text) => pattern.test(text);
}
