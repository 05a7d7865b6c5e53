import { describe, expect, it } from 'vitest';
import { escapeWiki, toAdf, toWiki, type Doc } from './markup.js';

describe('wiki markup escaping', () => {
  it.each([
    ['plain words, digits 123 and dots.', 'plain words, digits 123 and dots.'],
    ['[Open report|https://evil.example]', '\\[Open report\\|https://evil.example\\]'],
    ['[~admin] !https://evil/x.png! {noformat}', '\\[\\~admin\\] \\!https://evil/x.png\\! \\{noformat\\}'],
    ['*bold* _it_ -del- +ins+ ^sup^ ~sub~ ??cite??', '\\*bold\\* \\_it\\_ \\-del\\- \\+ins\\+ \\^sup\\^ \\~sub\\~ \\?\\?cite\\?\\?'],
    ['(x) (!) 50% #1 @here', '\\(x\\) \\(\\!\\) 50\\% \\#1 \\@here'],
    ['C:\\temp\\*', 'C:&#92;temp&#92;\\*'],
    ['line one\nh1. Heading\r\nbq. quote', 'line one h1. Heading bq. quote'],
  ])('%j', (input, escaped) => expect(escapeWiki(input)).toBe(escaped));
});

const doc: Doc = [
  [{ text: 'Severity:', strong: true }, { text: ' critical' }],
  [{ text: 'Open in S4E', href: 'https://app.s4e.io/f/a|b]' }],
  [{ text: '' }, { text: 'x_y' }],
];

describe('rendering', () => {
  it('wiki: paragraphs, strong, links with safe URLs, escaped text', () => {
    expect(toWiki(doc)).toBe('*Severity:* critical\n\n[Open in S4E|https://app.s4e.io/f/a%7Cb%5D]\n\nx\\_y');
  });

  it('ADF: literal text nodes with marks, no empty text node', () => {
    expect(toAdf(doc)).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Severity:', marks: [{ type: 'strong' }] }, { type: 'text', text: ' critical' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Open in S4E', marks: [{ type: 'link', attrs: { href: 'https://app.s4e.io/f/a|b]' } }] }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'x_y' }] },
      ],
    });
  });
});
