import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyslogDeframer, type StreamFraming } from '../../src/demo/syslog-receiver.js';
import { frame } from './transport-stream.js';

/** Feeds `bytes` to a deframer in pieces cut at `cuts`, as TCP may deliver them. */
function deframe(bytes: Buffer, framing: StreamFraming | 'auto', cuts: readonly number[] = []): string[] {
  const records: string[] = [];
  const deframer = new SyslogDeframer(framing, (r) => records.push(r));
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    deframer.push(bytes.subarray(at, Math.max(at, cut)));
    at = Math.max(at, cut);
  }
  deframer.push(bytes.subarray(at));
  return records;
}

describe('stream framing (RFC 6587, RFC 5425)', () => {
  it('counts octets in bytes, not characters', () => {
    expect(frame('<134>1 - - - - - - é', 'octet_counting')).toBe('21 <134>1 - - - - - - é');
    expect(frame('😀', 'octet_counting')).toBe('4 😀');
    expect(frame('<134>1 x', 'lf')).toBe('<134>1 x\n');
  });

  it('octet-counted frames parse back exactly, multi-byte UTF-8 included, however the stream is cut', () => {
    // Octet counting carries any text, line breaks too.
    const record = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), fc.array(fc.nat({ max: 600 }), { maxLength: 6 }), (records, cuts) => {
        const bytes = Buffer.from(records.map((r) => frame(r, 'octet_counting')).join(''));
        expect(deframe(bytes, 'octet_counting', cuts)).toEqual(records);
        expect(deframe(bytes, 'auto', cuts)).toEqual(records);
      }),
    );
  });

  it('LF frames parse back exactly, however the stream is cut', () => {
    const record = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).map((r) => `<13>${r.replace(/\n/g, ' ')}`);
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), fc.array(fc.nat({ max: 600 }), { maxLength: 6 }), (records, cuts) => {
        const bytes = Buffer.from(records.map((r) => frame(r, 'lf')).join(''));
        expect(deframe(bytes, 'lf', cuts)).toEqual(records);
        expect(deframe(bytes, 'auto', cuts)).toEqual(records);
      }),
    );
  });

  it('refuses a frame that is not `LEN SP MSG` under octet counting', () => {
    expect(() => deframe(Buffer.from('<13>1 no count'), 'octet_counting')).toThrow(SyntaxError);
    expect(() => deframe(Buffer.from('12x<13>1 abc'), 'octet_counting')).toThrow(SyntaxError);
    expect(() => deframe(Buffer.from('999999999999 x'), 'octet_counting')).toThrow(/octet count over/);
  });
});
