import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envelope } from '../../test/hec.helpers.js';
import { decodeStoredEnvelope, encodeStoredEnvelope } from '../../src/pipeline/envelope-json.js';
import { compileTemplate } from '../../src/templates/compile.js';
import { HEC_SEVERITIES } from './config.js';
import { createHecEncoder, hecTime, packBodies } from './encoder.js';

const base = { host: 'bridge-1', source: 's4e-bridge', sourcetype: compileTemplate('s4e:event'), severity_map: HEC_SEVERITIES };

describe('HEC encoder', () => {
  it('writes one HEC envelope with the event intact', () => {
    const e = envelope(1, { time: 1_714_564_800_123 });
    const out = JSON.parse(createHecEncoder({ ...base, index: compileTemplate('security') })(e));
    expect(out).toEqual({
      time: 1_714_564_800.123,
      host: 'bridge-1',
      source: 's4e-bridge',
      sourcetype: 's4e:event',
      index: 'security',
      event: { id: e.id, type: e.type, severity: 'high', asset: e.asset, subscription: 'findings', data: e.data },
    });
  });

  it('renders sourcetype and index templates per event, and names severities as Splunk CIM does', () => {
    const encode = createHecEncoder({
      ...base,
      sourcetype: compileTemplate('s4e:{{type}}'),
      index: compileTemplate('s4e-{{lower (default asset.name "none")}}'),
      baseUrl: 'https://app.s4e.io',
    });
    const out = JSON.parse(encode(envelope(3, { severity: 'info', originalSeverity: 'weird', rulesFired: ['r1'], asset: { name: 'WWW.example.com' } })));
    expect(out).toMatchObject({ sourcetype: 's4e:finding.new', index: 's4e-www.example.com' });
    expect(out.event).toMatchObject({ severity: 'informational', original_severity: 'unknown', rules_fired: ['r1'] });
  });

  it('writes time in epoch seconds with millisecond decimals, from receivedAt when the event has no time', () => {
    const text = createHecEncoder(base)(envelope(0, { receivedAt: 1_714_564_800_007 }));
    expect(text).toContain('"time":1714564800.007,');
    expect(JSON.parse(text).time).toBeLessThan(10_000_000_000); // seconds, not ms
  });

  it('keeps exactly the milliseconds for any time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        const seconds = hecTime(ms);
        expect(Math.round(seconds * 1000)).toBe(ms);
        expect(String(seconds).split('.')[1]?.length ?? 0).toBeLessThanOrEqual(3);
      }),
    );
  });

  it('omits index when unset, and absent severity or asset', () => {
    const text = createHecEncoder(base)(envelope(2, { severity: undefined, asset: undefined }));
    const out = JSON.parse(text);
    expect(out).not.toHaveProperty('index');
    expect(out).not.toHaveProperty('fields');
    expect(Object.keys(out.event)).toEqual(['id', 'type', 'subscription', 'data']);
  });

  it('promotes configured paths to flat indexed fields', () => {
    const encode = createHecEncoder({ ...base, fields: ['type', 'severity', 'asset.id', 'data.tags', 'data.cvss', 'data.missing', 'asset'] });
    const out = JSON.parse(encode(envelope(3, { data: { tags: ['ssh', 7, null], cvss: 9.8 } })));
    expect(out.fields).toEqual({
      type: 'finding.new',
      severity: 'high',
      'asset.id': 'asset-3',
      'data.tags': ['ssh', '7'],
      'data.cvss': '9.8',
      asset: JSON.stringify({ id: 'asset-3', name: 'host-3.example.com' }),
    });
  });

  it('sends the data as the text the store holds, and the same event when the envelope has none', () => {
    const data = '{ "title": "caf\\u00e9", "cvss": 9.80 }';
    const stored = decodeStoredEnvelope(encodeStoredEnvelope(envelope(5, { data: {} }), data));
    const encode = createHecEncoder(base);
    const text = encode(stored);
    expect(text).toContain(`"data":${data}}}`);
    expect(JSON.parse(text).event.data).toEqual({ title: 'café', cvss: 9.8 });
    const plain = { ...stored, data: JSON.parse(data) as Record<string, unknown> };
    expect(JSON.parse(encode(plain))).toEqual(JSON.parse(text));
  });

  it('writes a single line per event', () => {
    const text = createHecEncoder(base)(envelope(4, { data: { text: 'two\nlines' } }));
    expect(text).not.toContain('\n');
  });
});

describe('packBodies', () => {
  it('puts a batch that fits in one body, as concatenated objects', () => {
    const bodies = packBodies(['{"a":1}', '{"b":2}', '{"c":3}'], 1_000);
    expect(bodies).toEqual([{ body: '{"a":1}{"b":2}{"c":3}', count: 3 }]);
  });

  it('splits at maxBytes, counting UTF-8 bytes, in order', () => {
    const events = ['{"x":"é"}', '{"x":"é"}', '{"x":"é"}']; // 10 bytes each, 9 chars
    expect(packBodies(events, 20).map((b) => b.count)).toEqual([2, 1]);
    expect(packBodies(events, 19).map((b) => b.count)).toEqual([1, 1, 1]);
  });

  it('sends an event larger than maxBytes on its own', () => {
    const big = `{"x":"${'a'.repeat(50)}"}`;
    expect(packBodies(['{}', big, '{}'], 20).map((b) => b.count)).toEqual([1, 1, 1]);
  });

  it('never exceeds maxBytes with more than one event, and keeps every event once', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }).map((s) => JSON.stringify({ s }))), fc.integer({ min: 1, max: 200 }), (events, max) => {
        const bodies = packBodies(events, max);
        expect(bodies.map((b) => b.body).join('')).toBe(events.join(''));
        expect(bodies.reduce((n, b) => n + b.count, 0)).toBe(events.length);
        for (const b of bodies) if (b.count > 1) expect(Buffer.byteLength(b.body)).toBeLessThanOrEqual(max);
      }),
    );
  });
});
