import { distance } from 'fastest-levenshtein';

/** Most candidates named in one suggestion. */
const MAX_SUGGESTIONS = 3;

/**
 * The candidates closest to a misspelled `value` (`findings.*` → `finding.*`, `indx` → `index`),
 * ignoring case; none when nothing is close enough to be what was meant: at most 2 edits, or a
 * third of the value's length for longer ones.
 */
export function closestTo(value: string, candidates: Iterable<string>): string[] {
  const limit = Math.max(2, Math.floor(value.length / 3));
  const scored = [...new Set(candidates)]
    .map((candidate) => ({ candidate, edits: distance(value.toLowerCase(), candidate.toLowerCase()) }))
    .filter((s) => s.edits <= limit);
  const best = Math.min(...scored.map((s) => s.edits));
  return scored.filter((s) => s.edits === best).slice(0, MAX_SUGGESTIONS).map((s) => s.candidate);
}

/** `; did you mean "finding.*"?`, or nothing when no candidate is close. */
export function didYouMean(value: string, candidates: Iterable<string>): string {
  const close = closestTo(value, candidates);
  return close.length === 0 ? '' : `; did you mean ${close.map((c) => `"${c}"`).join(' or ')}?`;
}
