import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { dataJsonOf } from '../src/pipeline/envelope-json.js';
import { DEFAULT_FINDING_STATUS, FindingMemory, findingsToRead, statusAction } from '../src/pipeline/lifecycle.js';
import { deliveredBy, Pipeline, targetsOf } from '../src/pipeline/pipeline.js';
import { describeRoute } from '../src/pipeline/router.js';
import type { FindingState } from '../src/store/findings.js';
import { event, loadRules, rulesIssues } from './pipeline.helpers.js';

const AT = Date.parse('2026-04-28T12:00:00Z');

/** What the store remembers of f-1 after its finding.new went to splunk (siem) and soc (criticals). */
const known: FindingState = {
  title: 'SQL Injection',
  severity: 'critical',
  originalSeverity: 'high',
  asset: { id: 'a-1001', name: 'api.prod.example.com' },
  status: 'open',
  firstSeen: AT,
  lastSeen: AT,
  delivered: { splunk: ['siem'], soc: ['criticals'] },
};
const change = (newStatus: string, finding = 'f-1', extra: Record<string, unknown> = {}) =>
  event('finding.status_changed', { finding_id: finding, old_status: 'open', new_status: newStatus, ...extra }, `evt-${newStatus}`);

const rules = `severity_rules:
  - name: prod-up
    when: { asset_name: "*.prod.example.com" }
    raise: 1
routes:
  - name: siem
    to: [splunk]
  - name: criticals
    match: { events: [finding.new, finding.status_changed], min_severity: critical }
    to: [soc]
`;

describe('telling a status change with what the bridge knows of its finding', () => {
  it('adds the title, the severity as reported and the asset, marked enriched; the rules then run as on the finding.new', () => {
    const prepared = new FindingMemory(new Map([['f-1', known]])).prepare(change('resolved'));
    expect(prepared).toMatchObject({
      enriched: true,
      severity: 'high',
      asset: known.asset,
      data: { finding_id: 'f-1', old_status: 'open', new_status: 'resolved', title: 'SQL Injection', severity: 'high', asset: known.asset },
    });
    expect(JSON.parse(dataJsonOf(prepared))).toEqual(prepared.data);
    const { envelope } = new Pipeline(loadRules(rules)).evaluate(prepared, AT);
    expect(envelope).toMatchObject({ severity: 'critical', originalSeverity: 'high', rulesFired: ['prod-up'] });
  });

  it('gives no severity to the status change of a finding reported without one: the defaults and rules give it the finding\'s', () => {
    const pipeline = new Pipeline(loadRules(`severity_defaults: { finding.*: medium }\n${rules}`));
    const memory = new FindingMemory();
    const created = event('finding.new', { finding_id: 'f-1', title: 'XSS', asset: { name: 'www.prod.example.com' } }, 'evt-1');
    const routed = pipeline.evaluate(memory.prepare(created), AT);
    memory.record(created, routed.envelope, deliveredBy(routed));
    const prepared = memory.prepare(change('resolved'));
    expect(prepared.severity).toBeUndefined();
    expect([routed.envelope.severity, pipeline.evaluate(prepared, AT).envelope.severity]).toEqual(['high', 'high']);
  });

  it('keeps what the event says itself over what is remembered', () => {
    const prepared = new FindingMemory(new Map([['f-1', known]])).prepare(change('resolved', 'f-1', { title: 'SQLi (renamed)', severity: 'medium' }));
    expect(prepared).toMatchObject({ severity: 'medium', data: { title: 'SQLi (renamed)', severity: 'medium', asset: known.asset } });
  });

  it('leaves a status change of a finding it does not know as it came, marked enriched: false; other events untouched', () => {
    const memory = new FindingMemory();
    const unknown = change('resolved', 'f-404');
    const prepared = memory.prepare(unknown);
    expect(prepared).toEqual({ ...unknown, enriched: false });
    expect(dataJsonOf(prepared)).toBe(dataJsonOf(unknown));
    const created = event('finding.new', { finding_id: 'f-9', title: 'x', severity: 'low' });
    expect(memory.prepare(created)).toBe(created);
  });

  it('tells a status change after a finding.new of the same batch from that finding.new', () => {
    const memory = new FindingMemory();
    const pipeline = new Pipeline(loadRules(rules));
    const created = memory.prepare(event('finding.new', { finding_id: 'f-1', title: 'XSS', severity: 'high', asset: { name: 'www.prod.example.com' } }, 'evt-1'));
    const routed = pipeline.evaluate(created, AT);
    memory.record(created, routed.envelope, deliveredBy(routed));
    const prepared = memory.prepare(change('resolved'));
    expect(prepared).toMatchObject({ enriched: true, severity: 'high', data: { title: 'XSS' } });
    expect(memory.followers(prepared, pipeline.rules.routes, new Set(['splunk', 'soc']))).toEqual(['splunk', 'soc']);
  });

  it('reads the stored state of the findings the batch\'s status changes are about, only', () => {
    expect(findingsToRead([change('resolved', 'f-1'), change('reopened', 'f-1'), event('finding.new', { finding_id: 'f-2' }), change('resolved', ' ')])).toEqual(['f-1']);
  });
});

describe('a status change follows its finding', () => {
  const running = new Set(['splunk', 'soc']);

  it('to every running connector that received it, by a route that sends resolutions (a removed route counts as one)', () => {
    const { routes } = loadRules(rules);
    const memory = new FindingMemory(new Map([['f-1', { ...known, delivered: { splunk: ['siem'], soc: ['criticals'], gone: ['old-route'] } }]]));
    expect(memory.followers(change('resolved'), routes, running)).toEqual(['splunk', 'soc']);
    expect(memory.followers(change('resolved'), routes, new Set(['splunk', 'soc', 'gone']))).toEqual(['splunk', 'soc', 'gone']);
    expect(memory.followers(change('resolved', 'f-404'), routes, running)).toEqual([]);
  });

  it('not by a route with send_resolved: false', () => {
    const { routes } = loadRules(rules.replace('    to: [soc]', '    to: [soc]\n    send_resolved: false'));
    expect(new FindingMemory(new Map([['f-1', known]])).followers(change('resolved'), routes, running)).toEqual(['splunk']);
    expect(describeRoute(routes[1]!)).toContain('(send_resolved: false)');
  });

  it('only status changes follow: a repeated finding.new goes where the routes say', () => {
    const { routes } = loadRules(rules);
    expect(new FindingMemory(new Map([['f-1', known]])).followers(event('finding.new', { finding_id: 'f-1' }), routes, running)).toEqual([]);
  });
});

describe('what a routed event leaves in its finding\'s state', () => {
  it('a finding.new: its fields, severity before and after the rules, status open (unless one is known), where it went by which route', () => {
    const pipeline = new Pipeline(loadRules(rules));
    const created = event('finding.new', { finding_id: 'f-1', title: 'XSS', severity: 'high', asset: { id: 'a-1', name: 'www.prod.example.com' } });
    const routed = pipeline.evaluate(created, AT);
    expect(targetsOf(routed).connectors).toEqual(['splunk', 'soc']);
    expect(new FindingMemory().record(created, routed.envelope, deliveredBy(routed))).toEqual({
      id: 'f-1',
      statusMode: 'initial',
      state: {
        title: 'XSS',
        severity: 'critical',
        originalSeverity: 'high',
        asset: { id: 'a-1', name: 'www.prod.example.com' },
        status: 'open',
        firstSeen: AT,
        lastSeen: AT,
        delivered: { splunk: ['siem'], soc: ['criticals'] },
      },
    });
  });

  it('a status change: its new status, trimmed and lower-cased; nothing for an event that names no finding', () => {
    const memory = new FindingMemory();
    const routed = change(' Resolved ');
    expect(memory.record(routed, routed, {})).toMatchObject({ id: 'f-1', statusMode: 'set', state: { status: 'resolved', delivered: {} } });
    const scan = event('scan.completed', { scan_id: 's-1' });
    expect(memory.record(scan, scan, {})).toBeUndefined();
    const hostile = event('finding.new', { finding_id: 'x'.repeat(300) });
    expect(memory.record(hostile, hostile, {})).toBeUndefined();
  });
});

describe('what a connector does with a status change', () => {
  it('by default: resolved and false_positive close, open and reopened reopen, anything else is a comment', () => {
    expect(['resolved', 'FALSE_POSITIVE', 'open', 'reopened', 'in_progress', 'risk_accepted', undefined].map((s) => statusAction(DEFAULT_FINDING_STATUS, s))).toEqual([
      'close',
      'close',
      'reopen',
      'reopen',
      'comment',
      'comment',
      'comment',
    ]);
  });

  it('as its finding_status says, lower-cased; a status that both closes and reopens is refused with its YAML path and line', () => {
    const yaml = (findingStatus: string) => `source: { base_url: https://api.s4e.io, api_key: k }
connectors:
  splunk: { type: splunk_hec, url: https://splunk.example.com:8088, token: t }
  jira:
    type: jira
    deployment: datacenter
    url: https://jira.example.com
    token: pat
    project: SEC
    finding_status: ${findingStatus}
routes: [{ name: all, to: [splunk, jira] }]
`;
    const config = parseConfig(yaml('{ close: [Fixed, wont_fix], reopen: [regressed] }'), 'bridge.yaml', {});
    expect(config.connectors.map((c) => [c.name, c.findingStatus])).toEqual([
      ['splunk', DEFAULT_FINDING_STATUS],
      ['jira', { close: ['fixed', 'wont_fix'], reopen: ['regressed'] }],
    ]);
    expect(parseConfig(yaml('{ close: [fixed] }'), 'bridge.yaml', {}).connectors[1]!.findingStatus).toEqual({ close: ['fixed'], reopen: ['open', 'reopened'] });
    expect(() => parseConfig(yaml('{ close: [resolved], reopen: [RESOLVED] }'), 'bridge.yaml', {})).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'connectors.jira.finding_status.reopen', line: 10, message: 'resolved cannot both close and reopen' })] }),
    );
  });

  it('send_resolved belongs to routes that deliver', () => {
    expect(rulesIssues('routes: [{ name: quiet, match: { events: scan.* }, drop: true, send_resolved: false }]')).toEqual([
      expect.objectContaining({ path: 'routes[0].send_resolved', message: 'a drop route delivers nothing: remove it, or drop: true' }),
    ]);
  });
});
