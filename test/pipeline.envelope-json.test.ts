import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../src/pipeline/decode.js';
import type { Envelope } from '../src/pipeline/envelope.js';
import { dataJson, decodeStoredEnvelope, encodeStoredEnvelope, endOfObject } from '../src/pipeline/envelope-json.js';

const envelope = (data: Record<string, unknown>, extra: Partial<Envelope> = {}): Envelope => ({
  id: 'evt-1',
  type: 'finding.new',
  data,
  subscription: 'findings',
  receivedAt: 1_700_000_000_123,
  ...extra,
});

describe('envelope JSON without serializing data twice', () => {
  it('writes the data as it was received, and reads back the same envelope', () => {
    const wire = '{ "title" : "SQL \\"injection\\" in {login}",  "n": 12345678901234567890, "tags": ["a]", "}"], "path": "C:\\\\" }';
    const decoded = decodeEvent({ id: 'e1', type: 'finding.new', data: wire, receivedAt: 5 }, 'findings');
    if (!decoded.ok) throw new Error('not decoded');
    // The wire text itself, not a re-serialization (which would round 12345678901234567890).
    expect(dataJson(decoded.envelope)).toBe(wire);

    const stored = encodeStoredEnvelope(decoded.envelope);
    expect(JSON.parse(stored)).toEqual(decoded.envelope);
    const read = decodeStoredEnvelope(stored);
    expect(read).toEqual(decoded.envelope);
    expect(dataJson(read)).toBe(wire);
  });

  it('serializes data built in code, and a spread copy keeps the known text', () => {
    const built = envelope({ a: 1 });
    expect(dataJson(built)).toBe('{"a":1}');
    const read = decodeStoredEnvelope(encodeStoredEnvelope(envelope({ b: [1, { c: '}' }] })));
    expect(dataJson({ ...read, severity: 'high' })).toBe('{"b":[1,{"c":"}"}]}');
  });

  it('reads envelope JSON written before, with data anywhere', () => {
    const old = envelope({ x: 'y' }, { severity: 'low' });
    const read = decodeStoredEnvelope(JSON.stringify(old));
    expect(read).toEqual(old);
    expect(JSON.parse(dataJson(read))).toEqual({ x: 'y' });
  });

  it('round-trips any JSON data, and finds where its object ends', () => {
    const data = fc.dictionary(fc.string(), fc.jsonValue()) as fc.Arbitrary<Record<string, unknown>>;
    fc.assert(
      fc.property(data, fc.string(), (d, id) => {
        const text = JSON.stringify(d);
        expect(endOfObject(`${text},"rest":1}`, 0)).toBe(text.length);
        const e = envelope(JSON.parse(text) as Record<string, unknown>, { id });
        const read = decodeStoredEnvelope(encodeStoredEnvelope(e));
        expect(read).toEqual(e);
        expect(JSON.parse(dataJson(read))).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
});
