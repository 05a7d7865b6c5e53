import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Bridge } from '../../bridge.js';
import { parseConfig, type BridgeConfig } from '../../config/load.js';
import { demoConfig } from '../../demo/config.js';
import { DEMO_SECRETS, startDemoReceivers, type DemoReceivers } from '../../demo/receivers.js';
import { claimDemoDir, demoKeyPrefix, removeDemoStore, resetDemoStore, type DemoStore } from '../../demo/reset.js';
import { eventsReceived, renderDemoScreen } from '../../demo/screen.js';
import { renderDemoSummary } from '../../demo/summary.js';
import { walkThroughFindingLifecycle } from '../../demo/finding-lifecycle.js';
import { createLogger } from '../../observability/logger.js';
import { redactUrl } from '../../observability/redact.js';
import { readStoreSnapshot, snapshotNames } from '../../observability/store-snapshot.js';
import { openStore } from '../../store/open.js';
import { redisAnswers } from '../../store/redis/probe.js';
import type { Store } from '../../store/types.js';
import { startSimulator } from '../../simulator/index.js';
import { startSteadyRate } from '../../simulator/steady-rate.js';
import { Progress } from '../progress.js';
import { onShutdown } from '../shutdown.js';

interface DemoOptions {
  rate: number;
  duration?: number;
  dir: string;
}

/** What each receiver's count counts. */
const UNITS: Readonly<Record<string, string>> = { splunk: 'events', siem: 'records', slack: 'messages', jira: 'issues' };
/** How long the end waits for events still on the wire to be made durable, ms. */
const SETTLE_MS = 3_000;
/** How long the end waits for the outboxes to drain, ms. */
const DRAIN_MS = 10_000;
/** How long the start waits for the bridge to hold its streams before publishing anyway, ms. */
const CONNECT_MS = 10_000;

/**
 * Everything on this machine: the simulator streams events, the bridge makes them durable and
 * delivers them to local stand-ins for Splunk HEC, a syslog SIEM, Slack and Jira, each writing
 * what it gets to a file. Ends with a summary that accounts for every event.
 */
export async function demoCommand(options: DemoOptions): Promise<void> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const release = claimDemoDir(dir);
  const simulator = await startSimulator({ apiKeys: [DEMO_SECRETS.DEMO_API_KEY], heartbeatIntervalMs: 5_000 });
  const receivers = await startDemoReceivers(dir);
  const closeServers = async () => {
    await Promise.all([simulator.close(), receivers.close()]);
    release();
  };

  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // Redis when one answers, under this run's own prefix; else the embedded store, so the demo needs nothing but Node.
  const demoStore: DemoStore = (await redisAnswers(redisUrl)) ? { redisUrl, keyPrefix: demoKeyPrefix() } : { path: join(dir, 'data') };
  resetDemoStore(demoStore);
  const yaml = demoConfig(simulator.url, receivers, demoStore);
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, yaml);
  const config = parseConfig(yaml, configFile, { ...process.env, ...DEMO_SECRETS });
  const logPath = join(dir, 'bridge.log');
  writeFileSync(logPath, ''); // one run per log
  const logger = createLogger({ level: 'info', secrets: config.secrets, destination: logFile(logPath) });
  const store = await openStore(config.store, logger).catch(async (error: unknown) => {
    // E.g. another demo holds the embedded store: stop the servers, or they keep the process alive.
    await closeServers();
    throw error;
  });
  const bridge = new Bridge({ config, store, logger });
  bridge.start();
  // Events flow once every subscription holds its stream: what is published is then all for the bridge.
  const subscribed = () => [...bridge.subscriptionStates().values()].filter((s) => s.state === 'connected').length === config.subscriptions.length;
  await settle(async () => subscribed(), CONNECT_MS);
  const stopPublishing = startSteadyRate(options.rate, (count) => simulator.generate(count));
  const startedAt = Date.now();

  const progress = new Progress();
  const { tty } = progress;
  progress.log(`demo: simulator ${simulator.url} at ${options.rate} events/s; config ${configFile}; log ${logPath}`);
  progress.log(
    'redisUrl' in demoStore
      ? `demo: store: Redis at ${redactUrl(redisUrl)}, keys under ${demoStore.keyPrefix} (removed at the end)`
      : `demo: store: embedded, in ${demoStore.path} (no Redis answered at ${redactUrl(redisUrl)})`,
  );
  for (const { connector, file } of receivers.counts()) progress.log(`demo: ${connector.padEnd(6)} writes to ${file}`);
  progress.log(`demo: Ctrl-C stops${tty ? '' : ' (plain lines: stdout is not a terminal)'}`);
  const show = async () => {
    const summary = await bridge.metrics.summary();
    const connectors = await Promise.all(
      receivers.counts().map(async (c) => ({ ...c, deadLetters: await store.deadLetters(c.connector).count() })),
    );
    progress.update(renderDemoScreen({ summary, startedAt, published: simulator.published().length, connectors, tty }));
  };
  const timer = setInterval(() => void show().catch(() => undefined), tty ? 1_000 : 5_000);
  const walkthrough = new AbortController();
  const walking = walkThroughFindingLifecycle({
    simulator,
    connected: () => bridge.subscriptionStates().get('findings')?.state === 'connected',
    issues: () => receivers.jiraIssues(),
    say: (line) => progress.log(line),
    signal: walkthrough.signal,
  });
  const stop = async () => {
    clearInterval(timer);
    walkthrough.abort();
    await walking;
    // Publishing stops first, the streams stay open: what was published is received, and counted.
    stopPublishing();
    const published = simulator.published().length;
    await settle(async () => eventsReceived(await bridge.metrics.summary()) >= published, SETTLE_MS);
    // And delivered, as far as the receivers take them within the wait.
    await settle(async () => (await readStoreSnapshot(store, snapshotNames(config))).connectors.every((c) => c.backlog.count === 0), DRAIN_MS);
    await bridge.stop(5_000);
    await show();
    progress.log(renderDemoSummary(await summarize(bridge, store, config, receivers, published, startedAt)));
    await store.close();
    await removeDemoStore(demoStore);
    await closeServers();
  };
  if (options.duration !== undefined) {
    await new Promise((r) => setTimeout(r, options.duration));
    await stop();
    return;
  }
  await onShutdown(logger, stop);
}

async function summarize(bridge: Bridge, store: Store, config: BridgeConfig, receivers: DemoReceivers, published: number, startedAt: number) {
  const totals = await bridge.metrics.summary();
  const snapshot = await readStoreSnapshot(store, snapshotNames(config));
  const atReceivers = receivers.counts();
  return {
    seconds: Math.round((Date.now() - startedAt) / 1000),
    published,
    received: eventsReceived(totals),
    connectors: config.connectors.map(({ name }) => ({
      connector: name,
      // One route per connector in the demo's config, so what its routes matched is what it was given.
      // Status changes also follow their finding to where it went (send_resolved).
      routed:
        config.routes.filter((r) => r.to.includes(name)).reduce((sum, r) => sum + (totals.routedByRoute.get(r.name) ?? 0), 0) +
        (totals.followedByConnector.get(name) ?? 0),
      delivered: totals.byConnector.get(name)?.delivered ?? 0,
      deadLettered: totals.byConnector.get(name)?.deadLettered ?? 0,
      queued: snapshot.connectors.find((c) => c.name === name)?.backlog.count ?? 0,
      atReceiver: atReceivers.find((c) => c.connector === name)?.received ?? 0,
      unit: UNITS[name] ?? 'items',
    })),
  };
}

async function settle(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

function logFile(path: string) {
  // Synchronous appends: the demo's log must be complete even when the demo is interrupted.
  return { write: (line: string) => writeFileSync(path, line, { flag: 'a' }) };
}

