import { describe, expect, it } from 'vitest';
import { condition } from '../src/config/rules.js';
import { eventView } from '../src/pipeline/view.js';
import { event, loadRules, rulesIssues } from './pipeline.helpers.js';

/** Whether `when` (as YAML would give it) holds for the event. */
function holds(when: unknown, type: string, data: Record<string, unknown> = {}): boolean {
  return condition.parse(when).test(eventView(event(type, data))) === undefined;
}

const finding = { severity: 'high', cvss: 9.8, title: 'SQL Injection', status: 'open', asset: { id: 'a-1', name: 'api.prod.example.com' }, tags: ['pci'] };

describe('conditions', () => {
  it('matches event types exactly or by glob, and heartbeats only by name', () => {
    expect(holds({ events: 'finding.new' }, 'finding.new')).toBe(true);
    expect(holds({ events: ['scan.*'] }, 'finding.new')).toBe(false);
    expect(holds({ events: ['*'] }, 'heartbeat')).toBe(false);
    expect(holds({ events: ['heartbeat'] }, 'heartbeat')).toBe(true);
  });

  it('answers the same for a type seen again, past the types it remembers', () => {
    const types = condition.parse({ events: ['finding.*', 'heartbeat'] });
    const answers = (type: string) => [0, 1].map(() => types.test(eventView(event(type))) === undefined);
    for (let i = 0; i < 300; i++) expect(answers(`other.${i}`)).toEqual([false, false]);
    expect(answers('finding.new')).toEqual([true, true]);
    expect(answers(`finding.${'x'.repeat(200)}`)).toEqual([true, true]);
    expect(answers('heartbeat')).toEqual([true, true]);
    expect(answers('scan.created')).toEqual([false, false]);
  });

  it('bounds severity from both sides; an unknown or absent severity meets no bound', () => {
    expect(holds({ min_severity: 'HIGH' }, 'finding.new', finding)).toBe(true);
    expect(holds({ min_severity: 'critical' }, 'finding.new', finding)).toBe(false);
    expect(holds({ max_severity: 'medium' }, 'finding.new', finding)).toBe(false);
    expect(holds({ max_severity: 'critical' }, 'finding.new', { severity: 'urgent' })).toBe(false);
    expect(holds({ min_severity: 'info' }, 'scan.failed')).toBe(false);
  });

  it('matches asset ids, and asset names by glob ignoring case', () => {
    expect(holds({ asset_id: ['a-2', 'a-1'] }, 'finding.new', finding)).toBe(true);
    expect(holds({ asset_id: 'a-2' }, 'finding.new', finding)).toBe(false);
    expect(holds({ asset_name: '*.PROD.example.com' }, 'finding.new', finding)).toBe(true);
    expect(holds({ asset_name: '*.staging.example.com' }, 'finding.new', finding)).toBe(false);
    expect(holds({ asset_name: '*' }, 'finding.new', {})).toBe(false);
  });

  it.each([
    [{ 'data.title': 'SQL Injection' }, true],
    [{ 'data.title': { equals: 'sql injection' } }, false],
    [{ 'data.status': ['open', 'reopened'] }, true],
    [{ 'data.status': { in: ['closed'] } }, false],
    [{ 'data.title': { glob: 'SQL*' } }, true],
    [{ 'data.title': { regex: '(?i)injection$' } }, true],
    [{ 'data.title': { regex: '^Injection' } }, false],
    [{ 'data.cve': { exists: false } }, true],
    [{ 'data.cvss': { exists: true } }, true],
    [{ 'data.cvss': { '>=': 9 } }, true],
    [{ 'data.cvss': { '>': 9.8 } }, false],
    [{ 'data.cvss': { '<': 10, '>': 7 } }, true],
    [{ 'data.cvss': { '<=': 5 } }, false],
    [{ 'data.tags.0': 'pci' }, true],
    [{ 'asset.name': { glob: '*.prod.*' } }, true],
    [{ severity: 'high', type: 'finding.new' }, true],
  ])('where %j → %s', (where, expected) => {
    expect(holds({ where }, 'finding.new', finding)).toBe(expected);
  });

  it.each([
    ['cvss >= 9 on a string', { 'data.cvss': { '>=': 9 } }, { cvss: '9.8' }],
    ['cvss < 5 on null', { 'data.cvss': { '<': 5 } }, { cvss: null }],
    ['a glob on a number', { 'data.cvss': { glob: '9*' } }, { cvss: 9.8 }],
    ['a regex on an object', { 'data.cvss': { regex: '.' } }, { cvss: { v3: 9.8 } }],
    ['equals across types', { 'data.cvss': { equals: '9' } }, { cvss: 9 }],
    ['a path through a string', { 'data.title.length': { '>': 1 } }, { title: 'abc' }],
    ['a path into the prototype', { 'data.constructor': { exists: true } }, {}],
  ])('a type mismatch does not match and does not throw: %s', (_, where, data) => {
    expect(holds({ where }, 'finding.new', data)).toBe(false);
  });

  it.each([
    [{ 'data.tags': { contains: 'pci' } }, true],
    [{ 'data.tags': { contains: 'hipaa' } }, false],
    [{ 'data.tags': { any_of: ['hipaa', 'pci'] } }, true],
    [{ 'data.tags': { any_of: ['hipaa', 'sox'] } }, false],
    [{ 'data.tags': { all_of: ['pci', 'prod'] } }, true],
    [{ 'data.tags': { all_of: ['pci', 'hipaa'] } }, false],
    [{ 'data.tags': { not: { contains: 'dev' } } }, true],
    [{ 'data.tags': { not: { any_of: ['dev', 'pci'] } } }, false],
    [{ 'data.title': { not: { glob: 'XSS*' } } }, true],
    [{ 'data.title': { contains: 'SQL' } }, false],
    [{ 'data.missing': { any_of: ['pci'] } }, false],
    [{ 'data.missing': { not: { contains: 'pci' } } }, true],
  ])('on a list: where %j → %s', (where, expected) => {
    expect(holds({ where }, 'finding.new', { ...finding, tags: ['pci', 'prod'] })).toBe(expected);
  });

  it('describes list tests as the YAML writes them', () => {
    const when = condition.parse({ where: { 'data.tags': { all_of: ['pci', 'prod'], not: { contains: 'dev' } } } });
    expect(when.label).toBe('data.tags all_of ["pci","prod"]; data.tags not (contains "dev")');
    expect(when.test(eventView(event('finding.new', { tags: ['pci'] })))).toBe('data.tags all_of ["pci","prod"]');
  });

  it('combines with all, any and not', () => {
    const when = {
      events: 'finding.*',
      any: [{ min_severity: 'critical' }, { where: { 'data.cvss': { '>=': 9 } } }],
      not: { asset_name: '*.staging.example.com' },
      all: [{ where: { 'data.status': 'open' } }],
    };
    expect(holds(when, 'finding.new', finding)).toBe(true);
    expect(holds(when, 'finding.new', { ...finding, cvss: 5 })).toBe(false);
    expect(holds(when, 'finding.new', { ...finding, asset: { name: 'db.staging.example.com' } })).toBe(false);
    expect(holds(when, 'finding.new', { ...finding, status: 'closed' })).toBe(false);
  });

  it('names the first part that failed', () => {
    const when = condition.parse({ events: 'finding.*', min_severity: 'high', where: { 'data.cvss': { '>=': 9 } } });
    expect(when.test(eventView(event('scan.failed')))).toBe('events: finding.*');
    expect(when.test(eventView(event('finding.new', { severity: 'high', cvss: 5 })))).toBe('data.cvss >= 9');
    expect(condition.parse({ not: { events: 'finding.*' } }).test(eventView(event('finding.new')))).toBe('not (events: finding.*)');
  });

  it('runs a catastrophic regex in linear time on hostile data', () => {
    const started = Date.now();
    expect(holds({ where: { 'data.title': { regex: '^(a+)+$' } } }, 'finding.new', { title: `${'a'.repeat(100_000)}!` })).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses a regex RE2 cannot run, or a broken one, at its path and line', () => {
    const issues = rulesIssues(`routes:
  - name: r
    match:
      where:
        data.title: { regex: "(a)\\\\1" }
        data.cve: { regex: "(unclosed" }
    to: [splunk]
`);
    expect(issues).toEqual([
      expect.objectContaining({ path: 'routes[0].match.where.data.title.regex', line: 19, message: expect.stringContaining('not a valid RE2 regular expression') }),
      expect.objectContaining({ path: 'routes[0].match.where.data.cve.regex', line: 20, message: expect.stringContaining('missing closing )') }),
    ]);
  });

  it('refuses an unknown operator and a bad path, each located', () => {
    const issues = rulesIssues(`severity_rules:
  - name: r
    when:
      where:
        data.cvss: { ">==": 9 }
        "data..x": 1
    raise: 1
routes:
  - name: all
    to: [splunk]
`);
    expect(issues.map((i) => [i.path, i.line, i.message])).toEqual([
      ['severity_rules[0].when.where.data.cvss.>==', 19, 'unknown key ">=="; did you mean ">="?'],
      ['severity_rules[0].when.where.data..x', 20, 'not a dotted field path, e.g. data.cvss or asset.name'],
    ]);
  });

  it('warns, without refusing the config, about a test that can never hold on its field\'s known type', () => {
    const config = loadRules(`severity_rules:
  - name: pci-up
    when:
      any:
        - where: { data.tags: { in: [pci] } }
        - where: { data.tags: pci }
    raise: 1
routes:
  - name: r
    match:
      not:
        where:
          data.cvss: { glob: "9*", equals: "9.8" }
          data.title: { ">": 1, contains: SQL }
          data.asset: { equals: x }
          enriched: "false"
          data.tags: { any_of: [pci], not: { equals: dev } }
          data.whatever: { in: [1] }
    to: [splunk]
`);
    expect(config.warnings.map((w) => [w.path, w.line, w.message])).toEqual([
      ['severity_rules[0].when.any[0].where.data.tags.in', 19, 'data.tags is a list: "in" never holds on it; test its items with contains, any_of or all_of'],
      ['severity_rules[0].when.any[1].where.data.tags.equals', 20, 'data.tags is a list: "equals" never holds on it; test its items with contains, any_of or all_of'],
      ['routes[0].match.not.where.data.cvss.glob', 27, 'data.cvss is a number: "glob" never holds on it; compare it with ">", ">=", "<", "<=" or equals a number'],
      ['routes[0].match.not.where.data.cvss.equals', 27, 'data.cvss is a number: "9.8" never equals it; compare it with ">", ">=", "<", "<=" or equals a number'],
      ['routes[0].match.not.where.data.title.>', 28, 'data.title is text: ">" never holds on it; test it with equals, in, glob or regex'],
      ['routes[0].match.not.where.data.title.contains', 28, 'data.title is text: "contains" never holds on it; test it with equals, in, glob or regex'],
      ['routes[0].match.not.where.data.asset.equals', 29, 'data.asset is an object: "equals" never holds on it; test one of its fields, e.g. data.asset.name'],
      ['routes[0].match.not.where.enriched.equals', 30, 'enriched is true or false: "false" never equals it; test it with equals: true or false'],
      ['routes[0].match.not.where.data.tags.not.equals', 31, 'data.tags is a list: "equals" never holds on it; test its items with contains, any_of or all_of'],
    ]);
    expect(loadRules('routes: [{ name: r, match: { where: { data.tags: { contains: pci }, data.cvss: { ">=": 9 } } }, to: [splunk] }]').warnings).toEqual([]);
  });

  it('refuses bounds that nothing can meet', () => {
    const issues = rulesIssues(`routes:
  - name: r
    match: { min_severity: high, max_severity: low }
    to: [splunk]
`);
    expect(issues).toEqual([expect.objectContaining({ path: 'routes[0].match.max_severity', message: 'below min_severity high: nothing can match' })]);
  });
});
