import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ELLIPSIS, escapeMrkdwn, mrkdwn, truncate } from './text.js';

describe('mrkdwn text', () => {
  it('escapes &, < and > only', () => {
    expect(escapeMrkdwn('<!channel> & <https://evil|Open report> *bold* _it_')).toBe(
      '&lt;!channel&gt; &amp; &lt;https://evil|Open report&gt; *bold* _it_',
    );
  });

  it('leaves short text alone and cuts long text with an ellipsis', () => {
    expect(truncate('short', 5)).toBe('short');
    expect(truncate('abcdef', 5)).toBe(`abcd${ELLIPSIS}`);
  });

  it('never splits a surrogate pair', () => {
    expect(truncate('ab😀cd', 4)).toBe(`ab${ELLIPSIS}`);
  });

  it('never cuts inside an entity', () => {
    expect(mrkdwn('ab<cd', 5)).toBe(`ab${ELLIPSIS}`); // 'ab&lt;cd' cut at 4 would leave 'ab&l'
    expect(mrkdwn('ab<cd', 7)).toBe(`ab&lt;${ELLIPSIS}`);
  });

  it('cut escaped text is within the limit, and every & still starts an entity', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 1, max: 120 }), (text, max) => {
        const out = mrkdwn(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/[<>]/);
        expect(out).not.toMatch(/&(?!amp;|lt;|gt;)/);
        expect(() => encodeURIComponent(out)).not.toThrow(); // throws on a lone surrogate
      }),
    );
  });
});
