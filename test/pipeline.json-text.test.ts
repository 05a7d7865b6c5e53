import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonString } from '../src/pipeline/json-text.js';

describe('jsonString', () => {
  it('writes every string exactly as JSON.stringify does, lone surrogates and control characters included', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('\ud800', 'a"b', 'a\\b', '\u2028', '\u0000')), (text) => {
      expect(jsonString(text)).toBe(JSON.stringify(text));
    }), { numRuns: 2_000 });
  });
});
