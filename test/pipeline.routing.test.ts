import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../src/pipeline/decode.js';
import { Router } from '../src/pipeline/router.js';
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
  const router = new Router([
    { name: 'all', match: { events: ['*'], minSeverity: undefined }, to: ['splunk'] },
    { name: 'urgent-findings', match: { events: ['finding.*'], minSeverity: 'high' }, to: ['slack', 'splunk'] },
    { name: 'scans', match: { events: ['scan.failed', 'scan.complete?'], minSeverity: undefined }, to: ['ops'] },
  ]);

  it('fans one event out to every matching route, each connector once', () => {
    expect(router.connectorsFor(envelope('finding.new', { severity: 'critical' }))).toEqual(['splunk', 'slack']);
    expect(router.matches(envelope('finding.new', { severity: 'critical' }))).toEqual(['all', 'urgent-findings']);
  });

  it('holds findings below min_severity, and unknown severities, back from a thresholded route', () => {
    expect(router.connectorsFor(envelope('finding.new', { severity: 'medium' }))).toEqual(['splunk']);
    expect(router.connectorsFor(envelope('finding.new', { severity: 'urgent' }))).toEqual(['splunk']);
    expect(router.connectorsFor(envelope('finding.new'))).toEqual(['splunk']);
  });

  it('matches exact names and globs', () => {
    expect(router.connectorsFor(envelope('scan.failed'))).toEqual(['splunk', 'ops']);
    expect(router.connectorsFor(envelope('scan.completed'))).toEqual(['splunk', 'ops']);
    expect(router.connectorsFor(envelope('scan.created'))).toEqual(['splunk']);
  });

  it('routes heartbeats only where a route names them', () => {
    expect(router.connectorsFor(envelope('heartbeat'))).toEqual([]);
    const withHeartbeats = new Router([{ name: 'hb', match: { events: ['heartbeat'], minSeverity: undefined }, to: ['ops'] }]);
    expect(withHeartbeats.connectorsFor(envelope('heartbeat'))).toEqual(['ops']);
  });
});
