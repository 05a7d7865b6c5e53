import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOffline } from '../src/cli/offline.js';
import { ConfigError } from '../src/config/errors.js';
import { parseConfig } from '../src/config/load.js';
import { describeBudget } from '../src/coordination/connection-budget.js';
import { startHecReceiver, type HecReceiver } from '../src/demo/hec-receiver.js';
import { demandOf, mergeAdvice } from '../src/planner/plan.js';
import { startSimulator, type InjectedEvent } from '../src/simulator/index.js';
import { startBridge } from './helpers/bridge-harness.js';
import { waitFor } from './helpers/bridge-process.js';

const EXAMPLE = fileURLToPath(new URL('../config.example.yaml', import.meta.url));
const API_KEY = 'planner-test-key';
const HEC_TOKEN = 'planner-test-hec';

/** Eight platform filters (type on an asset, or a type anywhere) the routes below need. */
const FILTERS = [
  { events: 'finding.new', asset: 'a-1001' },
  { events: 'finding.new', asset: 'a-1002' },
  { events: 'finding.status_changed', asset: 'a-1001' },
  { events: 'scan.completed', asset: 'a-1003' },
  { events: 'scan.failed', asset: 'a-1004' },
  { events: 'action.completed', asset: 'a-1005' },
  { events: 'system.alert' },
  { events: 'playbook.completed' },
];

const source = (url: string, tier: string) => `source:
  base_url: ${url}
  api_key: ${API_KEY}
  tier: ${tier}
  heartbeat_timeout: 5s
  reconnect: { initial_delay: 50ms, max_delay: 300ms }
coordination: { lease: 3s }
server: { enabled: false }
`;
const splunk = (hec: HecReceiver) => `connectors:
  splunk:
    type: splunk_hec
    url: ${hec.url}
    token: ${HEC_TOKEN}
    batch: { max_events: 200, max_delay: 20ms }
`;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe('connection planner', () => {
  const base = `source: { base_url: https://api.s4e.io, api_key: k }
connectors:
  splunk: { type: splunk_hec, url: https://splunk.example.com:8088, token: t }
`;

  it('derives one connection carrying the union of the types the routes need, globs expanded, silences ignored', () => {
    const config = parseConfig(
      `${base}routes:
  - name: findings
    match: { events: finding.*, asset_id: a-1 }
    to: [splunk]
  - name: quiet
    match: { events: system.alert }
    drop: true
  - name: ops
    match: { any: [ { events: scan.failed }, { events: system.alert, min_severity: high } ] }
    to: [splunk]
  - name: progress
    match: { events: scan_progress.* }
    to: [splunk]
scan_progress: { follow: all }
`,
      't.yaml',
    );
    expect(config.subscriptionsPlanned).toBe(true);
    expect(config.subscriptions).toEqual([{ name: 'events', events: ['finding.new', 'finding.status_changed', 'scan.created', 'scan.failed', 'system.alert'], assetId: undefined }]);
    expect(describeBudget(config).join('\n')).toMatch(/1 connection carries what 3 delivering routes need/);
    expect(describeBudget(config).join('\n')).toMatch(/1 for subscriptions, 4 for scan progress streams/);
  });

  it('asks for every type when a route takes every type, and filters by asset only when all routes name the same one', () => {
    const everything = parseConfig(`${base}routes:\n  - name: all\n    to: [splunk]\n`, 't.yaml');
    expect(everything.subscriptions).toEqual([{ name: 'events', events: undefined, assetId: undefined }]);
    const oneAsset = parseConfig(
      `${base}routes:\n  - name: a\n    match: { asset_id: a-7, events: finding.new }\n    to: [splunk]\n  - name: b\n    match: { asset_id: a-7, events: scan.failed }\n    to: [splunk]\n`,
      't.yaml',
    );
    expect(oneAsset.subscriptions).toEqual([{ name: 'events', events: ['finding.new', 'finding.status_changed', 'scan.failed'], assetId: 'a-7' }]);
  });

  it('asks for the status changes of the findings a route takes, which follow them, unless it opts out', () => {
    const planned = (route: string) => parseConfig(`${base}routes:\n  - name: r\n    match: { events: finding.new }\n    to: [splunk]\n${route}`, 't.yaml').subscriptions[0]!.events;
    expect(planned('')).toEqual(['finding.new', 'finding.status_changed']);
    expect(planned('    send_resolved: false\n')).toEqual(['finding.new']);
  });

  it('warns when explicit subscriptions carry a route\'s finding.new but not the status changes that follow it', () => {
    const config = (events: string) => parseConfig(`${base}subscriptions: [{ name: s, events: [${events}] }]\nroutes:\n  - name: tickets\n    match: { events: finding.new }\n    to: [splunk]\n`, 't.yaml');
    expect(config('finding.new').warnings).toEqual([
      expect.objectContaining({ path: 'subscriptions', message: expect.stringMatching(/^route tickets delivers finding.new.*no subscription receives finding.status_changed/) }),
    ]);
    expect(config('finding.new, finding.status_changed').warnings).toEqual([]);
  });

  it('plans the example config\'s routes into one connection', () => {
    const config = loadOffline(EXAMPLE);
    // The example names its subscriptions; its routes alone would need one connection of every type.
    expect(demandOf(config.routes).events).toBeUndefined();
  });

  it('explains which explicit subscriptions over the budget could be merged', () => {
    const yaml = `${base}subscriptions:\n${FILTERS.map((f, i) => `  - { name: s${i}, events: [${f.events}]${f.asset ? `, asset_id: ${f.asset}` : ''} }`).join('\n')}\nroutes:\n  - name: all\n    to: [splunk]\n`;
    let error: unknown;
    try {
      parseConfig(yaml, 't.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).issues[0]!.message;
    expect(message).toContain('8 subscriptions need 8 connections, but the standard tier allows 5');
    expect(message).toContain('merge s0 + s2 (asset a-1001) into one subscription with events [finding.new, finding.status_changed]');
    expect(message).toContain('merge s6 + s7 into one subscription with events [system.alert, playbook.completed]');
    expect(message).toContain('or omit subscriptions: the planner then uses 1 connection');
    expect(mergeAdvice([{ name: 'a', events: ['x'] }, { name: 'b' }], 1)).toEqual(['merge a + b into one subscription with all events', 'that makes 1 connection']);
  });

  it('carries what routes needing 8 filters need in at most 2 connections, delivering the same events as 8 subscriptions would', { timeout: 60_000 }, async () => {
    const events = eventsFor(400);
    const run = async (tier: 'premium' | 'standard', planned: boolean) => {
      const sim = await startSimulator({ apiKeys: [API_KEY], maxConnections: tier === 'premium' ? 20 : 5, heartbeatIntervalMs: 500 });
      const hec = await startHecReceiver({ token: HEC_TOKEN });
      cleanup.push(() => sim.close(), () => hec.close());
      const subscriptions = FILTERS.map((f, i) => `  - { name: f${i}, events: [${f.events}]${f.asset ? `, asset_id: ${f.asset}` : ''} }`).join('\n');
      const routes = planned
        ? FILTERS.map((f, i) => `  - name: r${i}\n    match: { events: [${f.events}]${f.asset ? `, asset_id: ${f.asset}` : ''} }\n    to: [splunk]`).join('\n')
        : '  - name: all\n    to: [splunk]';
      const bridge = await startBridge(`${source(sim.url, tier)}${splunk(hec)}${planned ? '' : `subscriptions:\n${subscriptions}\n`}routes:\n${routes}\n`);
      cleanup.push(() => bridge.stop());
      const want = planned ? 1 : 8;
      await waitFor(() => sim.stats().connections === want, `${want} connections`);
      sim.inject(events);
      return { sim, hec, bridge };
    };
    const eight = await run('premium', false);
    const planned = await run('standard', true);
    const expected = new Set(events.filter((e) => FILTERS.some((f) => matches(f, e))).map((e) => e.id!));
    const ids = (hec: HecReceiver) => new Set(hec.received().map((e) => e.event.id).filter((id) => !id.startsWith('evt-hb')));
    await waitFor(() => ids(eight.hec).size >= expected.size && ids(planned.hec).size >= expected.size, 'both bridges to deliver', 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(ids(eight.hec)).toEqual(expected);
    expect(ids(planned.hec)).toEqual(expected);
    expect(planned.sim.stats().maxConnections).toBeLessThanOrEqual(2);
    expect(eight.sim.stats().maxConnections).toBe(8);
    // Each event once per connector, though an event may match several routes.
    expect(planned.hec.received().filter((e) => !e.event.id.startsWith('evt-hb')).length).toBe(expected.size);
    expect(planned.bridge.logs.some((l) => l.includes('connection plan') && l.includes('subscriptions planned from the routes'))).toBe(true);
  });
});

const TYPES = ['finding.new', 'finding.status_changed', 'scan.completed', 'scan.failed', 'action.completed', 'action.triggered', 'system.alert', 'playbook.completed', 'playbook.started'];

function eventsFor(count: number): InjectedEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const type = TYPES[i % TYPES.length]!;
    const asset = `a-100${(i % 7) + 1}`;
    return { id: `plan-${i}`, type, data: { n: i, asset: { id: asset, name: `host${i % 7}.example.com` }, severity: 'high' } };
  });
}

function matches(filter: { events: string; asset?: string }, event: InjectedEvent): boolean {
  const asset = (event.data as { asset: { id: string } }).asset.id;
  return event.type === filter.events && (filter.asset === undefined || filter.asset === asset);
}

