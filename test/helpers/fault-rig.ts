import { readFileSync } from 'node:fs';
import { findingLabel } from '../../connectors/jira/finding.js';
import { startHecReceiver, type HecReceiver, type ParsedHecEvent } from '../../src/demo/hec-receiver.js';
import { startJiraReceiver, type JiraReceiver } from '../../src/demo/jira-receiver.js';
import { startSlackReceiver, type SlackReceiver } from '../../src/demo/slack-receiver.js';
import { startSyslogReceiver, type SyslogReceiver } from '../../src/demo/syslog-receiver.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { runCli, writeConfig, type BridgeProcess } from './bridge-process.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis.js';

/**
 * Everything a fault scenario runs: the simulator, local receivers for the four connectors
 * (HEC, syslog over TCP, Slack, Jira), each behind a FaultProxy (so a scenario can take it down
 * or break its stream), and the bridge as a child process from its CLI, restartable. It counts
 * what each receiver got, by event id, against what the simulator published.
 *
 * Routes: every event to HEC and syslog; `system.alert` to Slack; critical `finding.new` to Jira.
 */
export const API_KEY = 'fault-api-key-7d1f0c9e';
export const HEC_TOKEN = 'fault-hec-token-2b8e6a41';
export const JIRA_TOKEN = 'fault-jira-pat-5c3d9f20';

export interface RigOptions {
  readonly simulator?: SimulatorOptions;
  /** Redis for the store; default the shared REDIS_URL under a fresh key prefix. */
  readonly redisUrl?: string;
  /** `source.heartbeat_timeout`. @default '10s' */
  readonly heartbeatTimeout?: string;
  /** `source.replay_window`. @default '5m' */
  readonly replayWindow?: string;
}

export interface Rig {
  readonly simulator: Simulator;
  /** In front of the simulator: the bridge's `source.base_url`. */
  readonly sourceProxy: FaultProxy;
  readonly hec: HecReceiver;
  readonly syslog: SyslogReceiver;
  readonly slack: SlackReceiver;
  readonly jira: JiraReceiver;
  readonly proxies: { readonly hec: FaultProxy; readonly syslog: FaultProxy; readonly slack: FaultProxy; readonly jira: FaultProxy };
  readonly configFile: string;
  readonly prefix: string;
  /** Every bridge process started, in order. */
  readonly bridges: BridgeProcess[];
  /** Starts a bridge process (one at a time) and resolves once it holds the stream. */
  startBridge(): Promise<BridgeProcess>;
  /** The running bridge, if any. */
  readonly bridge: BridgeProcess | undefined;
  /** SIGKILL: resolves once it is gone. */
  killBridge(): Promise<void>;
  /** SIGTERM, a clean stop. */
  stopBridge(): Promise<void>;
  /** Every line every bridge process wrote. */
  output(): string[];
  counts(): Counts;
  /** Waits until every receiver has what it should (see Counts.complete), printing progress on timeout. */
  waitComplete(timeoutMs: number): Promise<Counts>;
  /** Stops everything; fails when any bridge's output held a configured secret (every scenario is a secrets check too). */
  close(): Promise<void>;
}

export interface ReceiverCount {
  /** Deliveries seen (duplicates included). */
  readonly received: number;
  /** Distinct expected ids received. */
  readonly unique: number;
  readonly expected: number;
  readonly missing: number;
  /** received − unique (deliveries of an id more than once). */
  readonly duplicates: number;
}

export interface Counts {
  readonly published: number;
  readonly hec: ReceiverCount;
  readonly syslog: ReceiverCount;
  readonly slack: ReceiverCount;
  /** By finding: expected findings, issues made, findings with more than one issue. */
  readonly jira: { readonly findings: number; readonly issues: number; readonly withIssue: number; readonly duplicateIssues: number; readonly missing: number };
  readonly complete: boolean;
}

const SLACK_ID = / · (evt-[0-9a-f]+-[0-9a-f]+)/;
const CEF_ID = /\bcs4=(evt-[0-9a-f]+-[0-9a-f]+)/;

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 1_000, ...options.simulator });
  const simPort = Number(new URL(simulator.url).port);
  const hec = await startHecReceiver({ token: HEC_TOKEN, retain: 1_000_000 });
  const syslog = await startSyslogReceiver({ transport: 'tcp', framing: 'octet_counting', retain: 1_000_000 });
  const slack = await startSlackReceiver();
  const jira = await startJiraReceiver({ deployment: 'datacenter', token: JIRA_TOKEN });
  const sourceProxy = await startFaultProxy(simPort);
  const proxies = {
    hec: await startFaultProxy(Number(new URL(hec.url).port)),
    syslog: await startFaultProxy(syslog.port),
    slack: await startFaultProxy(Number(new URL(slack.url).port)),
    jira: await startFaultProxy(Number(new URL(jira.url).port)),
  };
  const slackUrl = new URL(slack.url);
  slackUrl.port = String(proxies.slack.port);
  const prefix = uniquePrefix('faults');
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const retry = '{ initial_delay: 50ms, max_delay: 1s }';
  const circuit = '{ failure_threshold: 5, open_for: 1s }';
  const configFile = writeConfig(`source:
  base_url: ${sourceProxy.url}
  api_key: ${API_KEY}
  heartbeat_timeout: ${options.heartbeatTimeout ?? '10s'}
  replay_window: ${options.replayWindow ?? '5m'}
  reconnect: { initial_delay: 100ms, max_delay: 1s }
store:
  redis_url: ${redisUrl}
  key_prefix: ${prefix}
  consumer: faults
server:
  enabled: false
# A SIGKILLed bridge's subscription lease holds a restarted one back until it expires.
coordination: { lease: 2s }
log:
  level: info
subscriptions:
  - name: all
connectors:
  splunk:
    type: splunk_hec
    url: ${proxies.hec.url}
    token: ${HEC_TOKEN}
    batch: { max_events: 500, max_delay: 20ms }
    delivery: { timeout: 5s, retry: ${retry}, circuit: ${circuit} }
  siem:
    type: cef_syslog
    host: 127.0.0.1
    port: ${proxies.syslog.port}
    transport: tcp
    framing: octet_counting
    batch: { max_events: 500, max_delay: 20ms }
    delivery: { timeout: 5s, retry: ${retry}, circuit: ${circuit} }
  chat:
    type: slack
    webhook_url: ${slackUrl.href}
    delivery: { timeout: 5s, concurrency: 2, rate_limit: { max: 500, per: 1s }, retry: ${retry}, circuit: ${circuit} }
  tickets:
    type: jira
    deployment: datacenter
    url: ${proxies.jira.url}
    token: ${JIRA_TOKEN}
    project: SEC
    delivery: { timeout: 5s, concurrency: 4, retry: ${retry}, circuit: ${circuit} }
routes:
  - name: siem
    to: [splunk, siem]
  - name: alerts
    match: { events: [system.alert] }
    to: [chat]
  - name: critical-findings
    match: { events: [finding.new], min_severity: critical }
    to: [tickets]
`);

  const bridges: BridgeProcess[] = [];
  let current: BridgeProcess | undefined;

  const counts = (): Counts => {
    const published = simulator.published();
    const hecEvents = hec.received();
    const byId = new Map<string, ParsedHecEvent>();
    for (const e of hecEvents) byId.set(e.event.id, e);
    const count = (got: readonly string[], expected: readonly string[]): ReceiverCount => {
      const want = new Set(expected);
      const seen = new Set<string>();
      let received = 0;
      for (const id of got) {
        if (!want.has(id)) continue;
        received += 1;
        seen.add(id);
      }
      return { received, unique: seen.size, expected: want.size, missing: want.size - seen.size, duplicates: received - seen.size };
    };
    const hecCount = count(hecEvents.map((e) => e.event.id), published);
    // Which events Slack and Jira should have is read off HEC's copy (it has every event's data).
    const known = published.map((id) => byId.get(id)).filter((e): e is ParsedHecEvent => e !== undefined);
    const alerts = known.filter((e) => e.event.type === 'system.alert').map((e) => e.event.id);
    const slackIds = slack.messages().map((m) => SLACK_ID.exec(JSON.stringify(m))?.[1] ?? '');
    const findings = new Set(
      known
        .filter((e) => e.event.type === 'finding.new' && e.event.data.severity === 'critical')
        .map((e) => findingLabel(String(e.event.data.finding_id))),
    );
    const issuesPerFinding = new Map<string, number>();
    for (const issue of jira.issues()) {
      const labels = (issue.fields.labels as string[] | undefined) ?? [];
      for (const label of labels) if (findings.has(label)) issuesPerFinding.set(label, (issuesPerFinding.get(label) ?? 0) + 1);
    }
    const jiraCount = {
      findings: findings.size,
      issues: jira.issues().length,
      withIssue: issuesPerFinding.size,
      duplicateIssues: [...issuesPerFinding.values()].reduce((sum, n) => sum + n - 1, 0),
      missing: findings.size - issuesPerFinding.size,
    };
    const syslogCount = count(syslog.messages().map((m) => CEF_ID.exec(m)?.[1] ?? ''), published);
    const slackCount = count(slackIds, alerts);
    return {
      published: published.length,
      hec: hecCount,
      syslog: syslogCount,
      slack: slackCount,
      jira: jiraCount,
      complete:
        hecCount.missing === 0 && syslogCount.missing === 0 && slackCount.missing === 0 && jiraCount.missing === 0 && hecCount.expected === published.length,
    };
  };

  const rig: Rig = {
    simulator,
    sourceProxy,
    hec,
    syslog,
    slack,
    jira,
    proxies,
    configFile,
    prefix,
    bridges,
    get bridge() {
      return current;
    },
    async startBridge() {
      if (current) throw new Error('a bridge is already running');
      const before = sourceProxy.accepted;
      const bridge = runCli(['run', '--config', configFile]);
      bridges.push(bridge);
      current = bridge;
      void bridge.exited.then(() => {
        if (current === bridge) current = undefined;
      });
      await until(() => sourceProxy.accepted > before && simulator.stats().connections > 0, 20_000, 'the bridge to connect', () =>
        bridge.output.slice(-20).join('\n'),
      );
      return bridge;
    },
    async killBridge() {
      const bridge = current;
      if (!bridge) return;
      bridge.child.kill('SIGKILL');
      await bridge.exited;
    },
    async stopBridge() {
      const bridge = current;
      if (!bridge) return;
      bridge.child.kill('SIGTERM');
      const timer = setTimeout(() => bridge.child.kill('SIGKILL'), 20_000);
      await bridge.exited;
      clearTimeout(timer);
    },
    output: () => bridges.flatMap((b) => b.output),
    counts,
    async waitComplete(timeoutMs) {
      await until(() => counts().complete, timeoutMs, 'every receiver to have every event', () => JSON.stringify(counts()), 250);
      return counts();
    },
    async close() {
      if (current) {
        current.child.kill('SIGKILL');
        await current.exited;
      }
      await Promise.all([simulator.close(), hec.close(), syslog.close(), slack.close(), jira.close(), sourceProxy.close(), ...Object.values(proxies).map((p) => p.close())]);
      if (!options.redisUrl) await deleteKeys(prefix);
      assertNoSecret(rig.output(), { 'api key': API_KEY, 'hec token': HEC_TOKEN, 'jira token': JIRA_TOKEN, 'slack webhook path': new URL(slack.url).pathname });
    },
  };
  return rig;
}

function assertNoSecret(lines: readonly string[], secrets: Readonly<Record<string, string>>): void {
  const text = lines.join('\n');
  const leaked = Object.entries(secrets)
    .filter(([, value]) => text.includes(value) || text.includes(encodeURIComponent(value)))
    .map(([name]) => name)
    .join(', ');
  console.log(`[security] searched ${lines.length} lines of bridge output for ${Object.keys(secrets).length} secrets: ${leaked ? `FOUND ${leaked}` : 'none found'}`);
  if (leaked) throw new Error(`the bridge logged a secret: ${leaked}`);
}

/** One line per receiver, as every scenario prints them. */
export function formatCounts(label: string, c: Counts): string {
  const line = (name: string, r: ReceiverCount) =>
    `  ${name.padEnd(7)} expected ${r.expected}, received ${r.received}, unique ${r.unique}, missing ${r.missing}, duplicates ${r.duplicates}`;
  return [
    `[faults] ${label}: ${c.published} events published`,
    line('hec', c.hec),
    line('syslog', c.syslog),
    line('slack', c.slack),
    `  jira    findings ${c.jira.findings}, issues ${c.jira.issues}, findings with an issue ${c.jira.withIssue}, missing ${c.jira.missing}, extra issues ${c.jira.duplicateIssues}`,
  ].join('\n');
}

/**
 * Publishes `total` generated events at about `perSecond`, in 10 ms steps, bounded in count and
 * time. Resolves with the ids once all are published.
 */
export function produce(simulator: Simulator, total: number, perSecond: number, onTick?: (published: number) => void): Promise<string[]> {
  const perTick = Math.max(1, Math.round(perSecond / 100));
  const ids: string[] = [];
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      // Catch up with the wall clock (timers run late on a busy machine), never past `total`.
      const due = Math.min(total, Math.ceil(((Date.now() - started) / 1000) * perSecond) + perTick);
      const n = Math.min(due - ids.length, perTick * 5);
      if (n > 0) ids.push(...simulator.generate(n));
      onTick?.(ids.length);
      if (ids.length >= total) {
        clearInterval(timer);
        resolve(ids);
      }
    }, 10);
  });
}

/** The bridge process's resident set, MB, from /proc (undefined once it is gone or off Linux). */
export function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

export async function until(check: () => boolean, timeoutMs: number, what: string, detail?: () => string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
