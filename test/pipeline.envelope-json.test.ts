import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../src/pipeline/decode.js';
import type { Envelope } from '../src/pipeline/envelope.js';
import { dataJsonOf, decodeStoredEnvelope, encodeStoredEnvelope } from '../src/pipeline/envelope-json.js';

const envelope: Envelope = {
  id: 'evt-1',
  type: 'finding.new',
  data: { title: 'SQL "injection" in {login},"data":', tags: ['a]', '}'], empty: {}, none: [] },
  subscription: 'findings',
  receivedAt: 1_700_000_000_123,
  severity: 'high',
  originalSeverity: 'medium',
  rulesFired: ['raise "prod"'],
  asset: { id: 'a-1', name: 'db,"data":1' },
  time: 1_700_000_000_000,
};

/** Wire text as a platform may well format it: spaces, escapes, key order of its own. */
const WIRE_DATA = '{ "title": "caf\\u00e9 \\"quoted\\"",\n  "severity": "HIGH", "asset": {"id": "a-9"} }';

function decoded(data = WIRE_DATA): Envelope {
  const result = decodeEvent({ id: 'evt-9', type: 'finding.new', data, receivedAt: 1_700_000_000_000 }, 'findings');
  if (!result.ok) throw new Error(result.malformed.reason);
  return result.envelope;
}

describe('stored envelope JSON', () => {
  it('round-trips an envelope whose strings mimic its own members', () => {
    expect(decodeStoredEnvelope(encodeStoredEnvelope(envelope))).toEqual(envelope);
  });

  it('is plain JSON of the whole envelope, data last', () => {
    const json = encodeStoredEnvelope(envelope);
    expect(JSON.parse(json)).toEqual(envelope);
    expect(Object.keys(JSON.parse(json)).at(-1)).toBe('data');
  });

  it('reads envelope JSON written in any member order', () => {
    const { data, ...members } = envelope;
    const dataFirst = JSON.stringify({ data, ...members });
    const dataThird = JSON.stringify({ id: envelope.id, type: envelope.type, data, subscription: 'findings', receivedAt: 1 });
    expect(decodeStoredEnvelope(dataFirst)).toEqual(envelope);
    expect(decodeStoredEnvelope(dataThird)).toEqual({ id: 'evt-1', type: 'finding.new', data, subscription: 'findings', receivedAt: 1 });
    expect(dataJsonOf(decodeStoredEnvelope(dataThird))).toBe(JSON.stringify(data));
  });

  it('carries the data as the text it arrived in, from the wire through the store', () => {
    const stored = encodeStoredEnvelope(decoded());
    expect(stored).toContain(`"data":${WIRE_DATA}}`);
    const read = decodeStoredEnvelope(stored);
    expect(dataJsonOf(read)).toBe(WIRE_DATA);
    expect(read.data).toEqual({ title: 'café "quoted"', severity: 'HIGH', asset: { id: 'a-9' } });
    expect(read).toMatchObject({ id: 'evt-9', severity: 'high', asset: { id: 'a-9' }, subscription: 'findings' });
  });

  it('serializes the data again once the envelope is copied', () => {
    const copy = { ...decoded(), severity: 'low' };
    expect(copy.data).toEqual(decoded().data);
    expect(dataJsonOf(copy)).toBe(JSON.stringify(copy.data));
  });
});
