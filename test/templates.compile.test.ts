import { describe, expect, it } from 'vitest';
import type { Envelope } from '../src/pipeline/envelope.js';
import { compileTemplate } from '../src/templates/compile.js';
import { rulesIssues } from './pipeline.helpers.js';

const BASE_URL = 'https://app.s4e.io';
const finding: Envelope = {
  id: 'evt-1',
  type: 'finding.new',
  severity: 'critical',
  originalSeverity: 'high',
  rulesFired: ['prod-up'],
  asset: { id: 'a-1', name: 'api.prod.example.com' },
  subscription: 'findings',
  receivedAt: Date.parse('2026-04-28T12:01:00Z'),
  data: { finding_id: 'f/1', title: 'SQL Injection in /login', cvss: 9.8, tags: ['pci', 'owasp'], when: '2026-04-28T12:01:00Z' },
};

const render = (source: string, envelope: Envelope = finding) => compileTemplate(source).render(envelope, BASE_URL);

describe('templates', () => {
  it.each([
    ['{{upper data.title}}', 'SQL INJECTION IN /LOGIN'],
    ['{{lower type}}', 'finding.new'],
    ['{{truncate data.title 10}}', 'SQL Injec…'],
    ['{{truncate data.title 100}}', 'SQL Injection in /login'],
    ['{{json data.tags}}', '["pci","owasp"]'],
    ['{{json data.missing}}', 'null'],
    ['{{default data.owner "unassigned"}}', 'unassigned'],
    ['{{default data.cvss 0}}', '9.8'],
    ['{{date time}}', '2026-04-28T12:01:00Z'],
    ['{{date data.when "datetime" zone="Europe/Berlin"}}', '2026-04-28 14:01:00 Europe/Berlin'],
    ['{{date data.when "iso" zone="America/New_York"}}', '2026-04-28T08:01:00-04:00'],
    ['{{date data.when "date"}} {{date data.when "time" zone="Asia/Kolkata"}}', '2026-04-28 17:31:00'],
    ['{{severity_emoji}} {{severity_emoji "low"}} {{severity_emoji "urgent"}}', '🔴 🔵 ❔'],
    ['{{severity_color}} {{severity_color original_severity}}', '#b71c1c #e65100'],
    ['{{link}}', 'https://app.s4e.io/findings/f%2F1'],
    ['{{asset.name}} {{original_severity}} {{rules_fired.[0]}}', 'api.prod.example.com high prod-up'],
  ])('%s → %s', (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  it('links a scan when the event has no finding, and nothing when it has neither', () => {
    expect(render('{{link}}', { ...finding, type: 'scan.failed', data: { scan_id: 's-9' } })).toBe('https://app.s4e.io/scans/s-9');
    expect(render('[{{link}}]', { ...finding, data: {} })).toBe('[]');
  });

  it('renders a missing field as empty, with no error', () => {
    expect(render('owner: {{data.owner.name}}; {{upper data.nope}}; {{date data.nope}};')).toBe('owner: ; ; ;');
  });

  it('gives templates no prototype access', () => {
    expect(render('{{constructor}}|{{data.constructor}}|{{data.__proto__}}|{{lookup data "constructor"}}|{{data.title.toString}}')).toBe('||||');
    expect(render('{{#with data}}{{constructor.name}}{{/with}}')).toBe('');
  });

  it('escapes inserted values for the connector, never the template text; {{{…}}} inserts as is', () => {
    const mrkdwn = compileTemplate('*{{data.title}}* {{truncate data.title 5}} {{link}} {{{data.title}}}{{#each data.tags}} <{{this}}>{{/each}}', {
      escape: (text) => text.replace(/[<>/]/g, (c) => `&#${c.charCodeAt(0)};`),
    });
    expect(mrkdwn.render(finding, BASE_URL)).toBe(
      '*SQL Injection in &#47;login* SQL … https:&#47;&#47;app.s4e.io&#47;findings&#47;f%2F1 SQL Injection in /login <pci> <owasp>',
    );
  });

  it.each([
    ['{{#if data.x}}open', 'Parse error on line 1: the template ends early'],
    ['one\ntwo {{data.x', 'Parse error on line 2'],
    ['{{date time "someday"}}', 'date format is one of iso, date, time, datetime'],
    ['{{date time zone="Mars/Olympus_Mons"}}', 'date zone "Mars/Olympus_Mons" is not an IANA time zone name'],
    ['{{truncate data.title}}', 'truncate needs a length'],
    ['{{shout data.title}}', 'Missing helper: "shout"'],
  ])('refuses %j at load: %s', (source, message) => {
    expect(() => compileTemplate(source)).toThrow(message);
  });

  it('renders a helper failing on one event as a visible error, not an exception', () => {
    expect(render('{{date time zone=data.zone}}', { ...finding, data: { zone: 'Nowhere/Else' } })).toBe('<template error: date zone "Nowhere/Else" is not an IANA time zone name, e.g. Europe/Berlin>');
  });

  it("names the connector, the option and its line when a connector's template is broken", () => {
    const issues = rulesIssues(`    sourcetype: "s4e:{{type"
routes:
  - name: all
    to: [splunk]
`);
    expect(issues).toEqual([expect.objectContaining({ path: 'connectors.soc.sourcetype', line: 15, message: expect.stringContaining('template: Parse error on line 1') })]);
  });
});
