import { describe, expect, it, vi } from 'vitest';
import { decodeEvent } from '../src/pipeline/decode.js';
import type { Envelope } from '../src/pipeline/envelope.js';
import { dataJsonOf, decodeStoredEnvelope, encodeStoredEnvelope, orderKey } from '../src/pipeline/envelope-json.js';

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
  enriched: false,
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

  it('is plain JSON of the whole envelope and its order key, data last', () => {
    const json = encodeStoredEnvelope({ ...envelope, data: { ...envelope.data, finding_id: 'f-1' } });
    expect(JSON.parse(json)).toEqual({ ...envelope, data: { ...envelope.data, finding_id: 'f-1' }, orderKey: 'finding:f-1' });
    expect(JSON.parse(encodeStoredEnvelope(envelope)).orderKey).toBeNull();
    expect(Object.keys(JSON.parse(json)).at(-1)).toBe('data');
  });

  it('gives the order key out of the store without parsing the data, and the data when asked', () => {
    const read = decodeStoredEnvelope(encodeStoredEnvelope(decoded('{"finding_id": 42, "title": "t"}')));
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(orderKey(read)).toBe('finding:42');
      expect(parse).not.toHaveBeenCalled();
      expect(read.data).toEqual({ finding_id: 42, title: 't' });
      expect(read.data).toBe(read.data); // parsed once
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('works out the order key from the data of an entry stored without one (before it was stored)', () => {
    const older = decodeStoredEnvelope('{"id":"e1","type":"scan.progress","subscription":"s","receivedAt":1,"data":{"scan_id":"s-7"}}');
    expect(orderKey(older)).toBe('scan:s-7');
    expect(orderKey(decodeStoredEnvelope(encodeStoredEnvelope(decoded('{"title": "none"}'))))).toBeUndefined();
  });

  it('shows a stored envelope\'s data to copies, JSON and comparisons, as a plain envelope\'s', () => {
    const read = decodeStoredEnvelope(encodeStoredEnvelope(envelope));
    expect({ ...read, severity: 'low' }.data).toEqual(envelope.data);
    expect(JSON.parse(JSON.stringify(read))).toEqual(envelope);
    expect(Object.keys(read).sort()).toEqual(Object.keys(envelope).sort());
  });

  it('reads envelope JSON written in any member order', () => {
    const { data, ...members } = envelope;
    const dataFirst = JSON.stringify({ data, ...members });
    const dataThird = JSON.stringify({ id: envelope.id, type: envelope.type, data, subscription: 'findings', receivedAt: 1 });
    expect(decodeStoredEnvelope(dataFirst)).toEqual(envelope);
    expect(decodeStoredEnvelope(dataThird)).toEqual({ id: 'evt-1', type: 'finding.new', data, subscription: 'findings', receivedAt: 1 });
    expect(dataJsonOf(decodeStoredEnvelope(dataThird))).toBe(JSON.stringify(data));
    const dataBeforeLast = JSON.stringify({ id: 'evt-1', type: 'finding.new', subscription: 'findings', receivedAt: 1, data, severity: 'high' });
    expect(decodeStoredEnvelope(dataBeforeLast)).toEqual({ id: 'evt-1', type: 'finding.new', subscription: 'findings', receivedAt: 1, data, severity: 'high' });
    expect(dataJsonOf(decodeStoredEnvelope(dataBeforeLast))).toBe(JSON.stringify(data));
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
