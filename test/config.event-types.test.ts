import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors.js';
import { parseConfig } from '../src/config/load.js';

/**
 * Event types and globs are checked against the documented types (doc 000, heartbeat included),
 * the `scan_progress.*` types and `digest`: a misspelling would make a route that never fires and
 * a subscription the platform filters to nothing, both in silence.
 */
const base = `source:
  base_url: https://api.s4e.io
  api_key: sk-test-12345678
connectors:
  splunk: { type: splunk_hec, url: "https://splunk.example.com:8088", token: hec-token-12345678 }
`;

function parse(yaml: string) {
  return parseConfig(`${base}${yaml}`, 'bridge.yaml', {});
}

function issuesOf(yaml: string): [string, string][] {
  try {
    parse(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((i) => [i.path, i.message]);
  }
  throw new Error('expected the config to be rejected');
}

const NEWER = ' (or declare a newer type in source.extra_event_types)';

describe('event types in a config', () => {
  it('refuses a misspelled type or a glob matching none, wherever the config names one, with the closest names', () => {
    const issues = issuesOf(`subscriptions:
  - name: findings
    events: [finding.neww, scan.created]
severity_defaults:
  scan.complete: low
severity_rules:
  - name: nested
    when: { any: [{ events: findings.* }, { not: { events: [scan.failed, sytem.alert] } }] }
    set: low
routes:
  - name: completed-scans
    match: { events: scan.complete }
    to: [splunk]
tests:
  - name: a test of a type that does not exist
    event: { type: finding.neww }
    expect: { routes: [completed-scans] }
`);
    expect(issues).toEqual([
      ['subscriptions[0].events[0]', `"finding.neww" is not an event type of the stream; did you mean "finding.new"?${NEWER}`],
      ['severity_defaults.scan.complete', `"scan.complete" is not an event type; did you mean "scan.completed"?${NEWER}`],
      ['severity_rules[0].when.any[0].events', `"findings.*" matches no event type; did you mean "finding.*"?${NEWER}`],
      ['severity_rules[0].when.any[1].not.events[1]', `"sytem.alert" is not an event type; did you mean "system.alert"?${NEWER}`],
      ['routes[0].match.events', `"scan.complete" is not an event type; did you mean "scan.completed"?${NEWER}`],
      ['tests[0].event.type', `"finding.neww" is not an event type; did you mean "finding.new"?${NEWER}`],
    ]);
  });

  it('says where the list is when nothing is close', () => {
    expect(issuesOf('routes:\n  - name: r\n    match: { events: [vulnerability.*] }\n    to: [splunk]\n')).toEqual([
      ['routes[0].match.events[0]', '"vulnerability.*" matches no event type (README "Event types" lists them; declare a newer type in source.extra_event_types)'],
    ]);
  });

  it('takes every documented type, heartbeat, the scan progress types, digest, and globs that match one', () => {
    const config = parse(`severity_defaults: { scan.*: info, scan_progress.error: high, digest: low }
routes:
  - name: findings
    match: { events: [finding.new, finding.status_changed, heartbeat, "action.*", "playbook.?tarted"] }
    to: [splunk]
  - name: progress
    match: { events: [scan_progress.*, scan_progress.scan_complete, system.alert] }
    to: [splunk]
tests:
  - name: a digest
    event: { type: digest }
    expect: { routes: [] }
`);
    expect(config.subscriptions[0]!.events).toEqual(['action.completed', 'action.triggered', 'finding.new', 'finding.status_changed', 'playbook.started', 'system.alert']);
  });

  it('refuses a subscription to a type the bridge makes itself', () => {
    expect(issuesOf('subscriptions:\n  - name: s\n    events: [scan_progress.stage_update]\nroutes:\n  - name: r\n    to: [splunk]\n')).toEqual([
      ['subscriptions[0].events[0]', '"scan_progress.stage_update" is made by the bridge, not sent on the event stream: route it, do not subscribe to it'],
    ]);
  });

  it('takes a type the documents do not list yet once source.extra_event_types declares it, and asks the platform for it', () => {
    const routes = 'routes:\n  - name: r\n    match: { events: [finding.reopened, scan.failed] }\n    to: [splunk]\n  - name: s\n    match: { events: "finding.*" }\n    to: [splunk]\n';
    expect(issuesOf(routes)[0]![1]).toContain('"finding.reopened" is not an event type');
    const config = parseConfig(`${base.replace('  api_key:', '  extra_event_types: [finding.reopened]\n  api_key:')}${routes}`, 'bridge.yaml', {});
    expect(config.source.extraEventTypes).toEqual(['finding.reopened']);
    // The planner's filter has it, also where a glob covers it.
    expect(config.subscriptions[0]!.events).toEqual(['finding.new', 'finding.reopened', 'finding.status_changed', 'scan.failed']);
  });
});
