/**
 * Issue descriptions and comments are written once as a small document model and rendered in
 * the deployment's format: Atlassian Document Format (Cloud, REST v3) or wiki markup (Data
 * Center, REST v2). Span text is untrusted (it comes from the event stream): ADF carries it
 * literally in text nodes; wiki markup escapes it (see escapeWiki).
 */
export interface Span {
  readonly text: string;
  readonly strong?: boolean;
  /** An http(s) URL the span links to; built by the bridge, never taken from an event. */
  readonly href?: string;
}

export type Paragraph = readonly Span[];
export type Doc = readonly Paragraph[];

export interface AdfText {
  readonly type: 'text';
  readonly text: string;
  readonly marks?: readonly ({ readonly type: 'strong' } | { readonly type: 'link'; readonly attrs: { readonly href: string } })[];
}

export interface AdfDoc {
  readonly type: 'doc';
  readonly version: 1;
  readonly content: readonly { readonly type: 'paragraph'; readonly content: readonly AdfText[] }[];
}

export function toAdf(doc: Doc): AdfDoc {
  return {
    type: 'doc',
    version: 1,
    // ADF rejects empty text nodes.
    content: doc.map((paragraph) => ({ type: 'paragraph', content: paragraph.filter((s) => s.text !== '').map(adfText) })),
  };
}

function adfText(span: Span): AdfText {
  const marks: NonNullable<AdfText['marks']>[number][] = [];
  if (span.strong) marks.push({ type: 'strong' });
  if (span.href) marks.push({ type: 'link', attrs: { href: span.href } });
  return { type: 'text', text: span.text, ...(marks.length > 0 && { marks }) };
}

export function toWiki(doc: Doc): string {
  return doc.map((paragraph) => paragraph.map(wikiSpan).join('')).join('\n\n');
}

function wikiSpan(span: Span): string {
  if (span.text === '') return '';
  const text = escapeWiki(span.text);
  const styled = span.strong ? `*${text}*` : text;
  return span.href ? `[${styled}|${wikiHref(span.href)}]` : styled;
}

/**
 * The characters Jira's renderer un-escapes after a backslash (Atlassian's
 * BackslashEscapeRendererComponent): effects `*_-+^~??`, links and mentions `[]|@`, macros `{}`,
 * images `!`, icons `()`, lists `#`, and `%`; plus the backslash itself.
 */
const WIKI_SPECIAL = /[\\!#%()*+?@[\]^_{|}~-]/g;

/**
 * Makes untrusted text inert in wiki markup, inline: every special character is
 * backslash-escaped; a backslash becomes the entity `&#92;` (`\\` is a line break, and a
 * backslash before an escape would cancel it); line breaks become spaces (a new line could
 * start a heading `h1.` or a quote `bq.`). Chosen over `{noformat}`, which renders as a code
 * block and ends at the first `{noformat}` inside the text.
 */
export function escapeWiki(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(WIKI_SPECIAL, (c) => (c === '\\' ? '&#92;' : `\\${c}`));
}

/** Characters that would end or split a `[text|url]` link, percent-encoded. */
function wikiHref(href: string): string {
  return href.replace(/[[\]|{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
