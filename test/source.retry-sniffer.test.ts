import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RetrySniffer } from '../src/source/retry-sniffer.js';

/** Lines a stream may carry, weighted towards `retry:` and things that look like it but are not. */
const line = fc.oneof(
  fc.integer({ min: 0, max: 999_999_999 }).map((n) => `retry: ${n}`),
  fc.integer({ min: 0, max: 999_999_999 }).map((n) => `retry:${n}`),
  fc.constantFrom('retry: 12x', 'retry:', 'retry', 'retry:  5', 'retry: -1', ': retry: 7', 'data: retry: 9', 'xretry: 3'),
  fc.string({ maxLength: 20 }).map((s) => `data: ${s.replace(/[\r\n]/g, '')}`),
  fc.constantFrom('', 'id: e1', 'event: finding.new', ': keepalive'),
);
const stream = fc
  .array(fc.tuple(line, fc.constantFrom('\n', '\r\n', '\r')), { maxLength: 30 })
  // The final LF completes a trailing CR, which the parser holds until it knows no LF follows.
  .map((lines) => Buffer.from(`${lines.map(([text, eol]) => text + eol).join('')}\n`));

/** The stream cut into chunks at arbitrary byte offsets. */
const chunked = stream.chain((bytes) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 10 })
    .map((cuts) => [0, ...cuts.sort((a, b) => a - b), bytes.length])
    .map((edges) => edges.slice(1).map((end, i) => bytes.subarray(edges[i], end))),
);

describe('retry sniffing', () => {
  it("finds the same last retry: value as eventsource's parser, however the stream is chunked", () => {
    fc.assert(
      fc.property(chunked, (chunks) => {
        let expected: number | undefined;
        const parser = createParser({ onRetry: (ms) => (expected = ms) });
        const decoder = new TextDecoder();
        const sniffer = new RetrySniffer();
        let sniffed: number | undefined;
        for (const chunk of chunks) {
          parser.feed(decoder.decode(chunk, { stream: true }));
          sniffed = sniffer.feed(chunk) ?? sniffed;
        }
        expect(sniffed).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});
