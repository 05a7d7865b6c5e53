import { describe, expect, it } from 'vitest';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { shiftSeverity, UnknownSeverities } from '../src/pipeline/severity.js';
import { event, loadRules, rulesIssues } from './pipeline.helpers.js';

const ROUTES = `routes:
  - name: all
    to: [splunk]
`;

function severityOf(sections: string, type: string, data: Record<string, unknown> = {}) {
  const { envelope } = new Pipeline(loadRules(sections + ROUTES)).evaluate(event(type, data), Date.now());
  return { severity: envelope.severity, original: envelope.originalSeverity, fired: envelope.rulesFired };
}

describe('severity', () => {
  it('ranks on the scale, capped at its ends', () => {
    expect(shiftSeverity(3, 1)).toBe('critical');
    expect(shiftSeverity(4, 3)).toBe('critical');
    expect(shiftSeverity(1, -4)).toBe('info');
  });

  it('gives events without a severity one from severity_defaults: an exact type before a glob', () => {
    const defaults = `severity_defaults:
  scan.*: info
  scan.failed: Medium
`;
    expect(severityOf(defaults, 'scan.failed')).toEqual({ severity: 'medium' });
    expect(severityOf(defaults, 'scan.completed')).toEqual({ severity: 'info' });
    expect(severityOf(defaults, 'system.alert')).toEqual({});
    expect(severityOf(defaults, 'scan.failed', { severity: 'high' })).toEqual({ severity: 'high' });
  });

  it('keeps an unknown severity, and says so once per value', () => {
    expect(severityOf('', 'finding.new', { severity: 'Urgent' })).toEqual({ severity: 'urgent' });
    const unknown = new UnknownSeverities();
    expect([unknown.isNew('urgent'), unknown.isNew('urgent'), unknown.isNew('high'), unknown.isNew(undefined), unknown.isNew('p1')]).toEqual([true, false, false, false, true]);
  });

  const rules = `severity_rules:
  - name: headers-are-low
    when: { where: { data.title: { glob: "Missing security header*" } } }
    set: low
    final: true
  - name: prod-up
    when: { events: finding.*, asset_name: "*.prod.example.com" }
    raise: 1
  - name: exposed-up
    when: { where: { data.exposed: true } }
    raise: 2
  - name: lab-down
    when: { asset_name: "*.lab.example.com" }
    lower: 2
`;

  it('applies rules in order, each seeing the severity the previous left, and records them', () => {
    expect(severityOf(rules, 'finding.new', { severity: 'medium', asset: { name: 'api.prod.example.com' } })).toEqual({ severity: 'high', original: 'medium', fired: ['prod-up'] });
    expect(severityOf(rules, 'finding.new', { severity: 'medium', exposed: true, asset: { name: 'api.prod.example.com' } })).toEqual({
      severity: 'critical',
      original: 'medium',
      fired: ['prod-up', 'exposed-up'],
    });
  });

  it('stops at a final rule', () => {
    const result = severityOf(rules, 'finding.new', { severity: 'critical', title: 'Missing security header: CSP', asset: { name: 'www.prod.example.com' } });
    expect(result).toEqual({ severity: 'low', original: 'critical', fired: ['headers-are-low'] });
  });

  it('caps raise at critical and lower at info', () => {
    expect(severityOf(rules, 'finding.new', { severity: 'high', exposed: true }).severity).toBe('critical');
    expect(severityOf(rules, 'finding.new', { severity: 'low', asset: { name: 'x.lab.example.com' } }).severity).toBe('info');
  });

  it('raises nothing without a severity on the scale, but sets one', () => {
    expect(severityOf(rules, 'finding.new', { severity: 'urgent', exposed: true })).toEqual({ severity: 'urgent' });
    expect(severityOf(rules, 'finding.new', { title: 'Missing security header: HSTS' })).toEqual({ severity: 'low', fired: ['headers-are-low'] });
  });

  it('applies rules after the defaults', () => {
    const sections = `severity_defaults: { scan.failed: medium }
severity_rules:
  - name: prod-scans-fail-loudly
    when: { events: scan.failed, asset_name: "*.prod.*" }
    raise: 1
`;
    expect(severityOf(sections, 'scan.failed', { asset: { name: 'db.prod.example.com' } })).toEqual({ severity: 'high', fired: ['prod-scans-fail-loudly'] });
  });

  it('refuses a rule with no effect or two, and an unknown severity, at their lines', () => {
    const issues = rulesIssues(`severity_defaults: { scan.failed: urgent }
severity_rules:
  - name: none
    when: { events: finding.new }
  - name: two
    set: low
    raise: 1
${ROUTES}`);
    expect(issues.map((i) => [i.path, i.line, i.message])).toEqual([
      ['severity_defaults.scan.failed', 15, 'one of info, low, medium, high, critical'],
      ['severity_rules[0]', 17, 'give exactly one of set, raise, lower'],
      ['severity_rules[1].raise', 21, 'give exactly one of set, raise, lower'],
    ]);
  });
});
