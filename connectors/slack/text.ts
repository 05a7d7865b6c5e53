/** Appended to whatever is cut to fit one of Slack's limits. */
export const ELLIPSIS = '…';

/**
 * Makes untrusted text inert in mrkdwn. Slack reads `<…>` as links and mentions (`<!channel>`,
 * `<@U123>`, `<https://evil|Open report>`) and `&…;` as entities; these three are all it asks
 * to escape, and escaping anything else would show up as is.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * `text` in at most `max` UTF-16 units (Slack's limits count characters; UTF-16 units are never
 * fewer), ending in an ellipsis when cut. Never splits a surrogate pair or an `&…;` entity, so
 * a cut can neither corrupt a character nor unescape one.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - ELLIPSIS.length);
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  const amp = text.lastIndexOf('&', cut - 1);
  // Our entities are at most 5 characters (`&amp;`); an `&` closer than that may be one, open.
  if (amp >= 0 && cut - amp < 5 && !text.slice(amp, cut).includes(';')) cut = amp;
  return text.slice(0, cut) + ELLIPSIS;
}

/** Untrusted text as mrkdwn, escaped, then cut to `max`. */
export function mrkdwn(untrusted: string, max: number): string {
  return truncate(escapeMrkdwn(untrusted), max);
}
