import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../src/pipeline/decode.js';
import { Pipeline, targetsOf } from '../src/pipeline/pipeline.js';
import { loadRules, rulesIssues } from './pipeline.helpers.js';
import type { Envelope } from '../src/pipeline/envelope.js';

function envelope(type: string, data: Record<string, unknown> = {}): Envelope {
  const decoded = decodeEvent({ id: 'evt-1', type, data: JSON.stringify(data), receivedAt: 1 }, 'sub');
  if (!decoded.ok) throw new Error(decoded.malformed.reason);
  return decoded.envelope;
}

describe('decoding at the edge', () => {
  it('types an event once: severity lower-cased, asset, own timestamp', () => {
    const e = envelope('finding.new', { severity: 'CRITICAL', asset: { id: 'a-1', name: 'api.example.com' }, timestamp: '2026-04-28T12:01:00Z' });
    expect(e).toMatchObject({ id: 'evt-1', type: 'finding.new', severity: 'critical', asset: { id: 'a-1', name: 'api.example.com' }, time: Date.parse('2026-04-28T12:01:00Z') });
    expect(envelope('scan.created', { asset_id: 'a-2' }).asset).toEqual({ id: 'a-2' });
  });

  it.each([
    ['not json', 'data is not JSON'],
    ['[1,2]', 'an array'],
    ['"text"', 'a string'],
    ['null', 'null'],
  ])('sets aside %s with its reason', (data, reason) => {
    const decoded = decodeEvent({ id: 'evt-2', type: 'finding.new', data, receivedAt: 5 }, 'sub');
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.malformed).toMatchObject({ id: 'evt-2', subscription: 'sub', raw: data, reason: expect.stringContaining(reason) });
  });

  it('sets aside an event without an id', () => {
    const decoded = decodeEvent({ type: 'finding.new', data: '{}', receivedAt: 5 }, 'sub');
    expect(decoded.ok || decoded.malformed.reason).toContain('no id');
  });
});

describe('routing', () => {
  const NOW = Date.parse('2026-04-28T12:00:00Z');

  function route(sections: string, now = NOW) {
    const pipeline = new Pipeline(loadRules(sections));
    return async (e: Envelope) => {
      const evaluation = pipeline.evaluate(e, now);
      const { connectors } = targetsOf(evaluation);
      return { connectors, matched: evaluation.verdicts.filter((v) => v.status === 'matched').map((v) => v.route.name) };
    };
  }

  const fanOut = route(`routes:
  - name: all
    to: [splunk]
  - name: urgent-findings
    match: { events: [finding.*], min_severity: high }
    to: [soc, splunk]
  - name: scans
    match: { events: [scan.failed, scan.complete?] }
    to: [soc]
`);

  it('fans one event out to every matching route, each connector once', async () => {
    expect(await fanOut(envelope('finding.new', { severity: 'critical' }))).toEqual({ connectors: ['splunk', 'soc'], matched: ['all', 'urgent-findings'] });
  });

  it('holds findings below min_severity, and unknown severities, back from a thresholded route', async () => {
    for (const data of [{ severity: 'medium' }, { severity: 'urgent' }, {}]) expect((await fanOut(envelope('finding.new', data))).connectors).toEqual(['splunk']);
  });

  it('matches exact names and globs; heartbeats only where a route names them', async () => {
    expect((await fanOut(envelope('scan.completed'))).connectors).toEqual(['splunk', 'soc']);
    expect((await fanOut(envelope('scan.created'))).connectors).toEqual(['splunk']);
    expect((await fanOut(envelope('heartbeat'))).connectors).toEqual([]);
    const withHeartbeats = route(`routes:
  - name: hb
    match: { events: [heartbeat] }
    to: [soc]
`);
    expect((await withHeartbeats(envelope('heartbeat'))).connectors).toEqual(['soc']);
  });

  it('stops after a matching route with continue: false', async () => {
    const routed = route(`routes:
  - name: criticals
    match: { min_severity: critical }
    to: [soc]
    continue: false
  - name: rest
    to: [splunk]
`);
    expect(await routed(envelope('finding.new', { severity: 'critical' }))).toEqual({ connectors: ['soc'], matched: ['criticals'] });
    expect(await routed(envelope('finding.new', { severity: 'low' }))).toEqual({ connectors: ['splunk'], matched: ['rest'] });
  });

  const silence = `routes:
  - name: siem
    to: [splunk]
  - name: maintenance
    match: { asset_name: "*.staging.example.com" }
    drop: true
    until: 2026-04-28T13:30:00+01:00
  - name: soc
    to: [soc]
`;

  it('silences what a drop route matches from later routes, until it expires', async () => {
    const staging = envelope('finding.new', { asset: { name: 'db.staging.example.com' } });
    expect(await route(silence)(staging)).toEqual({ connectors: ['splunk'], matched: ['siem', 'maintenance'] });
    expect(await route(silence)(envelope('finding.new', { asset: { name: 'db.prod.example.com' } }))).toEqual({ connectors: ['splunk', 'soc'], matched: ['siem', 'soc'] });
    expect(await route(silence, Date.parse('2026-04-28T12:30:00Z'))(staging)).toEqual({ connectors: ['splunk', 'soc'], matched: ['siem', 'soc'] });
  });

  it('refuses contradictory routes, each at its line', () => {
    const issues = rulesIssues(`routes:
  - name: silence
    drop: true
    to: [splunk]
  - name: no-target
    until: 2026-05-01T00:00:00Z
  - name: late
    drop: true
    until: tomorrow
`);
    expect(issues.map((i) => [i.path, i.line, i.message])).toEqual([
      ['routes[0].to', 18, 'a drop route delivers nothing: remove it, or drop: true'],
      ['routes[1].to', 19, 'required: the connectors to deliver to (or drop: true to silence)'],
      ['routes[1].until', 20, 'only a silence (drop: true) expires'],
      ['routes[2].until', 23, 'an ISO-8601 time with its zone, e.g. 2026-05-01T06:00:00Z'],
    ]);
  });
});
