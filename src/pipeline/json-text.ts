/** JSON text written by hand on the hot path, where JSON.stringify of a whole object costs more. */

/** Text that JSON writes as is between quotes: no quote, backslash, control or surrogate character. */
const VERBATIM = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** `text` as a JSON string literal. Ids, types and names are short and plain: quoted as they are. */
export function jsonString(text: string): string {
  return VERBATIM.test(text) ? `"${text}"` : JSON.stringify(text);
}
