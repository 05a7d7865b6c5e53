import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { findingLabel } from '../connectors/jira/finding.js';
import { startHecReceiver, type HecReceiver } from '../src/demo/hec-receiver.js';
import { startJiraReceiver, type JiraReceiver } from '../src/demo/jira-receiver.js';
import { startSimulator, type Simulator } from '../src/simulator/index.js';
import { keyTag } from '../src/store/redis/keys.js';
import { runCli, waitFor, writeConfig, type BridgeProcess } from './helpers/bridge-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/**
 * Replicas as an operator runs them: real processes of the built CLI, started the same way with
 * the same config on one Redis (each with its own stable consumer name), against a
 * standard-tier (5 connections) simulator that counts every connection.
 */
const API_KEY = 'replica-test-key-4b1d';
const HEC_TOKEN = 'replica-test-hec';
const JIRA_TOKEN = 'replica-test-jira-pat';
const LEASE_MS = 3_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

interface Rig {
  readonly sim: Simulator;
  readonly hec: HecReceiver;
  readonly jira: JiraReceiver;
  readonly prefix: string;
  readonly file: string;
  start(name: string): BridgeProcess;
}

async function rig(subscriptions: string, extra = ''): Promise<Rig> {
  const sim = await startSimulator({ apiKeys: [API_KEY], maxConnections: 5, heartbeatIntervalMs: 300, progressKeepaliveMs: 500 });
  const hec = await startHecReceiver({ token: HEC_TOKEN });
  const jira = await startJiraReceiver({ deployment: 'datacenter', token: JIRA_TOKEN });
  const prefix = uniquePrefix('replicas');
  const replicas: BridgeProcess[] = [];
  cleanup.push(async () => {
    for (const r of replicas) {
      r.child.kill('SIGCONT');
      r.child.kill('SIGKILL');
    }
    await Promise.all(replicas.map((r) => r.exited));
    await Promise.all([sim.close(), hec.close(), jira.close()]);
    await deleteKeys(keyTag(prefix));
  });
  const file = writeConfig(`source:
  base_url: ${sim.url}
  api_key: ${API_KEY}
  tier: standard
  heartbeat_timeout: 20s
  reconnect: { initial_delay: 100ms, max_delay: 500ms }
store:
  redis_url: ${REDIS_URL}
  key_prefix: ${prefix}
  consumer: \${REPLICA}
  claim_idle: 3s
coordination: { lease: ${LEASE_MS}ms }
server: { enabled: false }
${extra}
subscriptions:
${subscriptions}
connectors:
  splunk:
    type: splunk_hec
    url: ${hec.url}
    token: ${HEC_TOKEN}
    batch: { max_events: 200, max_delay: 20ms }
    delivery: { retry: { initial_delay: 50ms, max_delay: 500ms } }
  tickets:
    type: jira
    deployment: datacenter
    url: ${jira.url}
    token: ${JIRA_TOKEN}
    project: SEC
    delivery: { concurrency: 4, retry: { initial_delay: 50ms, max_delay: 500ms } }
routes:
  - name: everything
    to: [splunk]
  - name: tickets
    match: { events: finding.new, min_severity: high }
    to: [tickets]
`);
  return {
    sim,
    hec,
    jira,
    prefix,
    file,
    start(name) {
      const replica = runCli(['run', '--config', file], { REPLICA: name });
      replicas.push(replica);
      return replica;
    },
  };
}

/**
 * Which replica holds each subscription, from their log lines (the latest line per subscription
 * wins); with `connected`, only once that replica's stream for it is connected.
 */
function holders(replicas: Readonly<Record<string, BridgeProcess>>, connected = false): Map<string, string> {
  const events: { at: number; subscription: string; replica: string | undefined; connected: boolean }[] = [];
  for (const [name, r] of Object.entries(replicas)) {
    for (const line of r.output) {
      const entry = parse(line);
      if (!entry?.subscription) continue;
      if (entry.component === 'coordination' && entry.msg.startsWith('holding this subscription')) events.push({ at: entry.time, subscription: entry.subscription, replica: name, connected: false });
      else if (entry.component === 'coordination' && /lost the lease|handing a subscription over|took this subscription over/.test(entry.msg)) {
        events.push({ at: entry.time, subscription: entry.subscription, replica: undefined, connected: false });
      } else if (entry.component === undefined && entry.msg === 'event stream connected') events.push({ at: entry.time, subscription: entry.subscription, replica: name, connected: true });
    }
  }
  const held = new Map<string, { replica: string; connected: boolean }>();
  for (const e of events.sort((a, b) => a.at - b.at)) {
    if (!e.replica) held.delete(e.subscription);
    else if (!e.connected) held.set(e.subscription, { replica: e.replica, connected: false });
    else if (held.get(e.subscription)?.replica === e.replica) held.set(e.subscription, { replica: e.replica, connected: true });
  }
  return new Map([...held].filter(([, h]) => !connected || h.connected).map(([s, h]) => [s, h.replica]));
}

function parse(line: string): { time: number; msg: string; subscription?: string; component?: string } | undefined {
  try {
    const entry = JSON.parse(line) as { time: string; msg: string; subscription?: string; component?: string };
    return { ...entry, time: Date.parse(entry.time) };
  } catch {
    return undefined;
  }
}

/** Publishes `perTick` generated events every 20 ms until stopped; bounded by `max`. */
function producer(sim: Simulator, perTick: number, max: number): { stop(): void } {
  let sent = 0;
  const timer = setInterval(() => {
    if (sent >= max) return clearInterval(timer);
    sim.generate(perTick);
    sent += perTick;
  }, 20);
  return { stop: () => clearInterval(timer) };
}

const missingAtHec = (sim: Simulator, hec: HecReceiver) => {
  const got = new Set(hec.received().map((e) => e.event.id));
  return sim.published().filter((id) => !got.has(id));
};

describe('replicas sharing one Redis', () => {
  it(
    'three replicas stay within 5 connections, deliver every event, open one Jira issue per finding, and take a SIGKILLed replica\'s subscriptions over within the lease',
    { timeout: 120_000 },
    async () => {
      const r = await rig(
        `  - { name: findings, events: [finding.new, finding.status_changed] }
  - { name: scans, events: [scan.created, scan.progress, scan.completed, scan.failed] }
  - { name: other, events: [action.triggered, action.completed, playbook.started, playbook.completed, system.alert] }`,
        'scan_progress: { follow: all, max_streams: 2, heartbeat_timeout: 5s }',
      );
      const replicas = { r1: r.start('r1'), r2: r.start('r2'), r3: r.start('r3') };
      await waitFor(() => holders(replicas).size === 3 && r.sim.stats().connections - r.sim.stats().progressConnections === 3, 'the 3 subscriptions to be held and connected', 30_000);
      // Every replica gets its share, in time: one subscription each.
      await waitFor(() => new Set(holders(replicas, true).values()).size === 3 && holders(replicas, true).size === 3, 'one subscription per replica, connected', 20_000);

      const load = producer(r.sim, 4, 2_000);
      for (let i = 0; i < 6; i++) r.sim.startScan({ findings: 2, queueMs: 0, durationMs: 1_500 });
      await sleep(2_000);

      // SIGKILL the replica holding `findings`: nothing released, its leases must expire.
      const victim = holders(replicas).get('findings')! as keyof typeof replicas;
      const killedAt = Date.now();
      replicas[victim].child.kill('SIGKILL');
      await replicas[victim].exited;
      const survivors = Object.fromEntries(Object.entries(replicas).filter(([name]) => name !== victim));
      await waitFor(() => holders(survivors).size === 3, 'the survivors to hold all 3 subscriptions', 20_000);
      const takenAfterMs = Date.now() - killedAt;
      for (let i = 0; i < 4; i++) r.sim.startScan({ findings: 2, queueMs: 0, durationMs: 1_000 });
      await sleep(2_000);
      load.stop();

      await waitFor(() => missingAtHec(r.sim, r.hec).length === 0, `every event at HEC (missing ${missingAtHec(r.sim, r.hec).length})`, 40_000);
      const findings = new Set(
        r.hec.received()
          .filter((e) => e.event.type === 'finding.new' && ['high', 'critical'].includes(String(e.event.severity)))
          .map((e) => String(e.event.data.finding_id)),
      );
      const issuesPer = () => {
        const count = new Map<string, number>();
        for (const issue of r.jira.issues()) for (const label of (issue.fields.labels as string[]) ?? []) count.set(label, (count.get(label) ?? 0) + 1);
        return count;
      };
      await waitFor(() => [...findings].every((f) => issuesPer().has(findingLabel(f))), 'an issue for every finding', 40_000);
      const scans = r.sim.scans().map((s) => s.id);
      await waitFor(
        () => scans.every((id) => r.hec.received().some((e) => e.event.type === 'scan_progress.scan_complete' && e.event.data.scan_id === id)),
        'every scan followed to scan_complete',
        30_000,
      );
      await sleep(500);

      const stats = r.sim.stats();
      console.log(
        `replicas: ${r.sim.published().length} events, ${findings.size} findings, ${r.jira.issues().length} issues; ` +
          `peak connections ${stats.maxConnections} (rejected ${stats.rejected.tooMany}); ${victim} SIGKILLed, its subscription held elsewhere after ${takenAfterMs} ms`,
      );
      expect(stats.maxConnections).toBeLessThanOrEqual(5);
      expect(missingAtHec(r.sim, r.hec)).toEqual([]);
      expect([...issuesPer().entries()].filter(([label, n]) => n > 1 && [...findings].some((f) => findingLabel(f) === label))).toEqual([]);
      expect(r.jira.issues().length).toBe(findings.size);
      expect(takenAfterMs).toBeLessThan(LEASE_MS + 2_000);
      expect(Object.values(replicas).flatMap((p) => p.output).join('\n')).not.toContain(API_KEY);
    },
  );

  it('a replica paused past its lease (SIGSTOP) and resumed (SIGCONT) never moves a checkpoint back, and loses nothing', { timeout: 90_000 }, async () => {
    const r = await rig('  - name: all');
    const paused = r.start('p1');
    await waitFor(() => holders({ p1: paused }).get('all') === 'p1' && r.sim.stats().connections === 1, 'p1 to hold the subscription');
    const other = r.start('p2');
    await waitFor(() => other.output.some((l) => l.includes('connection plan')), 'p2 to start');

    const redis = new Redis(REDIS_URL);
    cleanup.push(async () => redis.disconnect());
    const order = (id: string) => Number.parseInt(/^evt-(?:hb-)?([0-9a-f]{8})-/.exec(id)?.[1] ?? '0', 16);
    const seen: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const json = await redis.hget(`${keyTag(r.prefix)}:checkpoints`, 'all');
        if (json) seen.push(order((JSON.parse(json) as { id: string }).id));
        await sleep(10);
      }
    })();

    const load = producer(r.sim, 4, 100_000);
    await sleep(1_000);
    paused.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    // p2 takes over once p1's lease expired; events keep flowing and the checkpoint moves on.
    await waitFor(() => holders({ p2: other }).get('all') === 'p2', 'p2 to take the subscription over', 20_000);
    const tookOverAfter = Date.now() - stoppedAt;
    await sleep(2_000);
    const beforeResume = seen.at(-1)!;
    paused.child.kill('SIGCONT');
    await waitFor(() => paused.output.some((l) => /lost the lease|took this subscription over|no longer valid/.test(l)), 'p1 to notice it lost the lease', 20_000);
    await sleep(2_000);
    load.stop();
    await waitFor(() => missingAtHec(r.sim, r.hec).length === 0, 'every event at HEC', 30_000);
    watching = false;
    await watcher;

    const backwards = seen.filter((value, i) => i > 0 && value < seen[i - 1]!);
    console.log(`fencing: p1 paused, p2 took over after ${tookOverAfter} ms; ${seen.length} checkpoint reads, ${backwards.length} went backwards; checkpoint ${beforeResume} at SIGCONT, ${seen.at(-1)} at the end`);
    expect(tookOverAfter).toBeGreaterThanOrEqual(LEASE_MS * 0.5);
    expect(tookOverAfter).toBeLessThan(LEASE_MS + 3_000);
    expect(backwards).toEqual([]);
    expect(seen.at(-1)!).toBeGreaterThan(beforeResume);
    expect(r.sim.stats().maxConnections).toBeLessThanOrEqual(2);
  });
});
