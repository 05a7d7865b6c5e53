import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findingLabel } from '../connectors/jira/finding.js';
import { Bridge } from '../src/bridge.js';
import { parseConfig } from '../src/config/load.js';
import { startHecReceiver, type HecReceiver } from '../src/demo/hec-receiver.js';
import { startJiraReceiver, type JiraIssueRecord, type JiraReceiver } from '../src/demo/jira-receiver.js';
import { createLogger } from '../src/observability/logger.js';
import { encodeEvent } from '../src/simulator/sse.js';
import { startSimulator, type InjectedEvent, type Simulator } from '../src/simulator/index.js';
import { openStore } from '../src/store/open.js';
import { keyTag } from '../src/store/redis/keys.js';
import type { Store } from '../src/store/types.js';
import { runCli, waitFor, writeConfig, type BridgeProcess } from './helpers/bridge-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/**
 * A finding's whole life through the full pipeline, against the Jira receiver, on real Redis and
 * on the embedded store: the platform's events exactly as its document prints them (the
 * finding.new example; status changes with the three fields its table lists), as raw SSE.
 */
const API_KEY = 'lifecycle-test-api-key-5e21';
const HEC_TOKEN = 'lifecycle-test-hec-token';
const JIRA_TOKEN = 'lifecycle-test-jira-token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The event stream document's finding.new example, verbatim. */
const DOCUMENT_EXAMPLE = `event: finding.new
id: evt-8a3b9c2d
data: {"finding_id":"f-91827","title":"SQL Injection","severity":"critical","asset":{"id":"a-1001","name":"api.example.com"}}
`;

/** A finding.new block in the example's form. */
const findingNew = (id: string, finding: string, title: string, severity: string) =>
  `event: finding.new\nid: ${id}\ndata: {"finding_id":"${finding}","title":"${title}","severity":"${severity}","asset":{"id":"a-1001","name":"api.example.com"}}\n`;

/** A finding.status_changed block: the document's three fields, nothing else. */
const statusChanged = (id: string, finding: string, oldStatus: string, newStatus: string) =>
  `event: finding.status_changed\nid: ${id}\ndata: {"finding_id":"${finding}","old_status":"${oldStatus}","new_status":"${newStatus}"}\n`;

/** A raw SSE block as the simulator publishes it; it writes it back as the same text. */
function raw(block: string): InjectedEvent {
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(block)![1]!;
  const event = { type: field('event'), id: field('id'), data: field('data') };
  expect(encodeEvent(event.type, event.id, event.data)).toBe(`${block}\n`);
  return event;
}

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

interface Setup {
  readonly sim: Simulator;
  readonly jira: JiraReceiver;
  readonly hec: HecReceiver;
  /** The store section of the config, the same for every bridge of the test (a restart reopens it). */
  readonly store: string;
}

type StoreKind = 'Redis' | 'the embedded store';

async function setup(kind: StoreKind, simulator: Parameters<typeof startSimulator>[0] = {}): Promise<Setup> {
  const sim = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 300, ...simulator });
  const jira = await startJiraReceiver({ deployment: 'cloud', token: JIRA_TOKEN });
  const hec = await startHecReceiver({ token: HEC_TOKEN });
  cleanup.push(() => sim.close(), () => jira.close(), () => hec.close());
  if (kind === 'Redis') {
    const prefix = uniquePrefix('lifecycle');
    cleanup.push(() => deleteKeys(keyTag(prefix)));
    return { sim, jira, hec, store: `store: { redis_url: "${REDIS_URL}", key_prefix: ${prefix}, consumer: lifecycle, claim_idle: 2s }` };
  }
  const dir = mkdtempSync(join(tmpdir(), 's4e-lifecycle-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return { sim, jira, hec, store: `store: { path: ${dir} }` };
}

/** The config: every event to the SIEM; high findings and their status changes to Jira. */
function yaml({ sim, jira, hec, store }: Setup, extra = '', jiraRoute = '{ events: [finding.new, finding.status_changed], min_severity: high }'): string {
  return `source:
  base_url: ${sim.url}
  api_key: ${API_KEY}
  heartbeat_timeout: 10s
  replay_window: 1500ms
  reconnect: { initial_delay: 50ms, max_delay: 300ms }
${store}
server: { enabled: false }
coordination: { lease: 2s }
backfill: { delay: 300ms }
subscriptions:
  - { name: findings, events: [finding.new, finding.status_changed] }
connectors:
  splunk:
    type: splunk_hec
    url: ${hec.url}
    token: ${HEC_TOKEN}
    batch: { max_events: 100, max_delay: 10ms }
  jira:
    type: jira
    deployment: cloud
    url: ${jira.url}
    email: bridge@example.com
    api_token: ${JIRA_TOKEN}
    project: SEC
    delivery: { retry: { initial_delay: 50ms, max_delay: 200ms } }
${extra}
routes:
  - name: siem
    to: [splunk]
  - name: high-findings-to-jira
    match: ${jiraRoute}
    to: [jira]
`;
}

/** A bridge in this process; `stop()` closes it and its store (a later one reopens it). */
async function bridgeOf(config: string): Promise<{ bridge: Bridge; store: Store; logs: string[]; stop(): Promise<void> }> {
  const parsed = parseConfig(config, 'lifecycle.yaml', {});
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', secrets: parsed.secrets, destination: { write: (line: string) => void logs.push(line) } });
  const store = await openStore(parsed.store, logger);
  const bridge = new Bridge({ config: parsed, store, logger });
  bridge.start();
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await bridge.stop(1_000);
      await store.close();
    })());
  cleanup.push(stop);
  return { bridge, store, logs, stop };
}

const issueOf = (jira: JiraReceiver, finding: string): JiraIssueRecord | undefined =>
  jira.issues().find((issue) => (issue.fields.labels as string[]).includes(findingLabel(finding)));
const transitionsOf = (jira: JiraReceiver, issue: JiraIssueRecord) =>
  jira.requests().filter((r) => r.method === 'POST' && r.path.endsWith(`/issue/${issue.key}/transitions`));
const atHec = (hec: HecReceiver, id: string) => hec.received().filter((e) => e.event.id === id);

describe.each<StoreKind>(['Redis', 'the embedded store'])("a finding's whole life, on %s", (kind) => {
  it('opens an issue for a high finding; resolved and false_positive close, in_progress comments; a low or unknown finding leaves Jira alone', { timeout: 60_000 }, async () => {
    const s = await setup(kind);
    const { bridge } = await bridgeOf(yaml(s));
    await waitFor(() => s.sim.stats().connections === 1, 'the bridge to connect');

    s.sim.inject([raw(DOCUMENT_EXAMPLE), raw(findingNew('evt-2', 'f-2', 'Stored XSS', 'high')), raw(findingNew('evt-3', 'f-3', 'Server banner', 'low'))]);
    await waitFor(() => s.jira.issues().length === 2, 'two issues');
    const sqli = issueOf(s.jira, 'f-91827')!;
    expect(sqli.fields.summary).toBe('[S4E] SQL Injection on api.example.com');
    expect(issueOf(s.jira, 'f-3')).toBeUndefined();

    s.sim.inject([
      raw(statusChanged('evt-4', 'f-91827', 'open', 'in_progress')),
      raw(statusChanged('evt-5', 'f-91827', 'in_progress', 'resolved')),
      raw(statusChanged('evt-6', 'f-2', 'open', 'false_positive')),
      raw(statusChanged('evt-7', 'f-3', 'open', 'resolved')),
      raw(statusChanged('evt-8', 'f-404', 'open', 'resolved')),
    ]);
    await waitFor(() => issueOf(s.jira, 'f-91827')!.status === 'Done' && issueOf(s.jira, 'f-2')!.status === 'Done', 'both issues closed');
    await waitFor(() => atHec(s.hec, 'evt-8').length === 1, 'every status change at the SIEM');
    await sleep(300); // nothing more arrives

    // in_progress commented, resolved commented and closed; each issue closed once.
    expect(issueOf(s.jira, 'f-91827')!.comments).toHaveLength(2);
    expect(JSON.stringify(issueOf(s.jira, 'f-91827')!.comments[0])).toContain('from open to in_progress');
    expect(transitionsOf(s.jira, sqli)).toHaveLength(1);
    expect(transitionsOf(s.jira, issueOf(s.jira, 'f-2')!)).toHaveLength(1);
    // The low finding never had an issue, and its status change never reached Jira.
    expect(s.jira.requests().some((r) => JSON.stringify(r.body ?? '').includes(findingLabel('f-3')))).toBe(false);
    expect(s.jira.issues()).toHaveLength(2);

    // The SIEM has every status change, told with its finding's fields; the unknown one as it came.
    expect(atHec(s.hec, 'evt-5')[0]!.event).toMatchObject({
      severity: 'critical',
      enriched: true,
      asset: { id: 'a-1001', name: 'api.example.com' },
      data: { finding_id: 'f-91827', old_status: 'in_progress', new_status: 'resolved', title: 'SQL Injection', severity: 'critical' },
    });
    expect(atHec(s.hec, 'evt-7')[0]!.event).toMatchObject({ severity: 'low', enriched: true });
    const unknown = atHec(s.hec, 'evt-8')[0]!.event;
    expect(unknown).toMatchObject({ enriched: false, data: { finding_id: 'f-404', old_status: 'open', new_status: 'resolved' } });
    expect(unknown.severity).toBeUndefined();
    const metric = await bridge.metrics.registry.getSingleMetric('s4e_bridge_status_changes_unenriched_total')!.get();
    expect(metric.values).toEqual([{ labels: { subscription: 'findings' }, value: 1 }]);
  });

  it('closes the issue when a rule lowered the finding below the route that opened it', { timeout: 60_000 }, async () => {
    const s = await setup(kind);
    const { bridge } = await bridgeOf(yaml(s));
    await waitFor(() => s.sim.stats().connections === 1, 'the bridge to connect');
    s.sim.inject([raw(DOCUMENT_EXAMPLE)]);
    await waitFor(() => s.jira.issues().length === 1, 'the issue');

    // A rule added since (SIGHUP): SQL injection on api.example.com is low now.
    const lowered = yaml(s, `severity_rules:\n  - name: accepted-on-api\n    when: { where: { data.title: SQL Injection } }\n    set: low`);
    bridge.reload(parseConfig(lowered, 'lifecycle.yaml', {}));
    s.sim.inject([raw(statusChanged('evt-2', 'f-91827', 'open', 'resolved'))]);
    await waitFor(() => s.jira.issues()[0]!.status === 'Done' && atHec(s.hec, 'evt-2').length === 1, 'the issue closed');
    const closing = atHec(s.hec, 'evt-2')[0]!.event;
    expect(closing).toMatchObject({ severity: 'low', original_severity: 'critical', rules_fired: ['accepted-on-api'], enriched: true });
    expect(transitionsOf(s.jira, s.jira.issues()[0]!)).toHaveLength(1);
  });

  it('a route with send_resolved: false sends a status change only where it still matches', { timeout: 60_000 }, async () => {
    const s = await setup(kind);
    const route = '{ events: [finding.new, finding.status_changed], min_severity: high }\n    send_resolved: false';
    const lowered = `severity_rules:\n  - name: resolved-is-info\n    when: { events: finding.status_changed, where: { data.new_status: resolved } }\n    set: info`;
    await bridgeOf(yaml(s, lowered, route));
    await waitFor(() => s.sim.stats().connections === 1, 'the bridge to connect');
    s.sim.inject([raw(DOCUMENT_EXAMPLE), raw(statusChanged('evt-2', 'f-91827', 'open', 'resolved'))]);
    await waitFor(() => atHec(s.hec, 'evt-2').length === 1 && s.jira.issues().length === 1, 'the issue and the status change at the SIEM');
    await sleep(500);
    expect(s.jira.issues()[0]!.status).toBe('To Do');
    expect(s.jira.issues()[0]!.comments).toEqual([]);
  });

  it('closes the issue once when the bridge dies between the ingest and the delivery of the status change', { timeout: 90_000 }, async () => {
    const s = await setup(kind);
    // Retries far apart: the one failed attempt is the last before the crash.
    const file = writeConfig(yaml(s).replace('delivery: { retry: { initial_delay: 50ms, max_delay: 200ms } }', 'delivery: { retry: { initial_delay: 60s, max_delay: 60s } }'));
    const run = (): BridgeProcess => {
      const bridge = runCli(['run', '--config', file]);
      cleanup.push(async () => {
        bridge.child.kill('SIGKILL');
        await bridge.exited;
      });
      return bridge;
    };
    const first = run();
    await waitFor(() => s.sim.stats().connections === 1, 'the bridge to connect');
    s.sim.inject([raw(DOCUMENT_EXAMPLE)]);
    await waitFor(() => s.jira.issues().length === 1, 'the issue');
    const [issue] = s.jira.issues();

    s.jira.failNext(1, { status: 503, on: `GET /rest/api/3/issue/${issue!.key}/transitions` });
    s.sim.inject([raw(statusChanged('evt-2', 'f-91827', 'open', 'resolved'))]);
    // Killed once that attempt is over (its finding lock released), before any other.
    await waitFor(() => first.output.some((l) => l.includes('"connector":"jira"') && l.includes('deliveries failing')), 'a first attempt to close, failed');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(s.jira.issues()[0]!.status).toBe('To Do');

    const second = run();
    await waitFor(() => s.jira.issues()[0]!.status === 'Done', 'the issue closed after the restart', 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${second.output.join('\n')}`);
    });
    await sleep(500);
    expect(transitionsOf(s.jira, issue!)).toHaveLength(1);
    expect(s.jira.issues()[0]!.comments).toHaveLength(1);
  });

  it('closes the issue of a finding resolved while the bridge was away, from the gap backfill', { timeout: 90_000 }, async () => {
    const s = await setup(kind, { replayWindowMs: 1_500 });
    // Every finding of a scan opens an issue, whatever its severity: the scans draw their own.
    const everyFinding = '{ events: [finding.new, finding.status_changed] }';
    const first = await bridgeOf(yaml(s, '', everyFinding));
    await waitFor(() => s.sim.stats().connections === 1, 'the bridge to connect');
    const before = s.sim.startScan({ findings: 2, queueMs: 0, durationMs: 200 });
    await waitFor(() => s.jira.issues().length === 2, 'an issue per finding');
    await first.stop();

    // Away longer than the replay buffer: one finding of the earlier scan is resolved, and a scan
    // runs whose one finding is resolved at once. Their status changes are published, and lost.
    const [resolved, untouched] = s.sim.scans().find((scan) => scan.id === before)!.findings;
    s.sim.setFindingStatus(resolved!.id, 'resolved');
    const during = s.sim.startScan({ findings: 1, queueMs: 0, durationMs: 100 });
    await waitFor(() => s.sim.scans().find((scan) => scan.id === during)!.status === 'completed', 'the scan in the gap');
    const [quick] = s.sim.scans().find((scan) => scan.id === during)!.findings;
    s.sim.setFindingStatus(quick!.id, 'false_positive');
    await sleep(2_500);

    const second = await bridgeOf(yaml(s, '', everyFinding));
    await waitFor(() => second.logs.some((l) => l.includes('gap backfill done')), 'the backfill', 20_000);
    await waitFor(() => issueOf(s.jira, resolved!.id)?.status === 'Done' && issueOf(s.jira, quick!.id)?.status === 'Done', 'both closed', 20_000);
    await sleep(300);
    expect(issueOf(s.jira, untouched!.id)!.status).toBe('To Do');
    for (const finding of [resolved!, quick!]) expect(transitionsOf(s.jira, issueOf(s.jira, finding.id)!)).toHaveLength(1);
    const backfilled = s.hec.received().filter((e) => e.event.type === 'finding.status_changed').map((e) => [e.event.data.finding_id, e.event.data.new_status, e.event.data.backfilled, e.event.enriched]);
    expect(backfilled.sort()).toEqual(
      [
        [resolved!.id, 'resolved', true, true],
        [quick!.id, 'false_positive', true, true],
      ].sort(),
    );
    expect(JSON.parse(second.logs.find((l) => l.includes('gap backfill done'))!)).toMatchObject({ statusChanges: 2 });
  });
});

describe('replicas sharing one Redis', () => {
  it('close every issue once when a replica holding the subscription dies mid-way and another takes over', { timeout: 120_000 }, async () => {
    const s = await setup('Redis');
    const file = writeConfig(yaml(s).replace('consumer: lifecycle', 'consumer: "${REPLICA}"'));
    const replicas: BridgeProcess[] = [];
    cleanup.push(async () => {
      for (const r of replicas) r.child.kill('SIGKILL');
      await Promise.all(replicas.map((r) => r.exited));
    });
    const start = (name: string) => {
      const replica = runCli(['run', '--config', file], { REPLICA: name });
      replicas.push(replica);
      return replica;
    };
    const first = start('r1');
    await waitFor(() => s.sim.stats().connections === 1, 'r1 to connect').catch((error: Error) => {
      throw new Error(`${error.message}\n${first.output.join('\n')}`);
    });
    start('r2');
    await waitFor(() => replicas[1]!.output.some((l) => l.includes('connection plan')), 'r2 to start');

    const findings = Array.from({ length: 8 }, (_, i) => `f-${i + 1}`);
    s.sim.inject(findings.map((f, i) => raw(findingNew(`evt-new-${i}`, f, `Finding ${i + 1}`, 'critical'))));
    await waitFor(() => s.jira.issues().length === findings.length, 'an issue per finding', 30_000);

    // Half resolved while r1 holds the subscription; r1 dies as their closes are under way.
    s.sim.inject(findings.slice(0, 4).map((f, i) => raw(statusChanged(`evt-res-${i}`, f, 'open', 'resolved'))));
    await waitFor(() => s.jira.requests().some((r) => r.path.endsWith('/transitions')), 'the first close under way');
    first.child.kill('SIGKILL');
    await first.exited;
    // The other half while nobody holds it: r2 takes over within the lease and resumes.
    s.sim.inject(findings.slice(4).map((f, i) => raw(statusChanged(`evt-res-${i + 4}`, f, 'open', 'resolved'))));

    await waitFor(() => s.jira.issues().every((issue) => issue.status === 'Done'), 'every issue closed', 60_000);
    await sleep(1_000);
    for (const issue of s.jira.issues()) expect(transitionsOf(s.jira, issue), issue.key).toHaveLength(1);
    expect(s.jira.issues()).toHaveLength(findings.length);
  });
});
