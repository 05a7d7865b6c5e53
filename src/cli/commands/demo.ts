import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Bridge } from '../../bridge.js';
import { parseConfig } from '../../config/load.js';
import { demoConfig, type DemoStore } from '../../demo/config.js';
import { walkThroughFindingLifecycle } from '../../demo/finding-lifecycle.js';
import { DEMO_SECRETS, startDemoReceivers } from '../../demo/receivers.js';
import { resetDemoStore } from '../../demo/reset.js';
import { renderDemoScreen } from '../../demo/screen.js';
import { createLogger } from '../../observability/logger.js';
import { redactUrl } from '../../observability/redact.js';
import { openStore } from '../../store/open.js';
import { redisAnswers } from '../../store/redis/probe.js';
import { startSimulator } from '../../simulator/index.js';
import { Progress } from '../progress.js';
import { onShutdown } from '../shutdown.js';

interface DemoOptions {
  rate: number;
  duration?: number;
  dir: string;
}

/**
 * Everything on this machine: the simulator streams events, the bridge makes them durable and
 * delivers them to local stand-ins for Splunk HEC, a syslog SIEM, Slack and Jira, each writing
 * what it gets to a file.
 */
export async function demoCommand(options: DemoOptions): Promise<void> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const simulator = await startSimulator({ rate: options.rate, apiKeys: [DEMO_SECRETS.DEMO_API_KEY], heartbeatIntervalMs: 5_000 });
  const receivers = await startDemoReceivers(dir);
  const closeServers = () => Promise.all([simulator.close(), receivers.close()]);

  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // Redis when one answers; else the embedded store, so the demo needs nothing but Node.
  const demoStore: DemoStore = (await redisAnswers(redisUrl)) ? { redisUrl } : { path: join(dir, 'data') };
  await resetDemoStore(demoStore);
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
  const startedAt = Date.now();
  bridge.start();

  const progress = new Progress();
  const { tty } = progress;
  progress.log(`demo: simulator ${simulator.url} at ${options.rate} events/s; config ${configFile}; log ${logPath}`);
  progress.log(
    'redisUrl' in demoStore
      ? `demo: store: Redis at ${redactUrl(redisUrl)}`
      : `demo: store: embedded, in ${demoStore.path} (no Redis answered at ${redactUrl(redisUrl)})`,
  );
  for (const { connector, file } of receivers.counts()) progress.log(`demo: ${connector.padEnd(6)} writes to ${file}`);
  progress.log(`demo: Ctrl-C stops${tty ? '' : ' (plain lines: stdout is not a terminal)'}`);
  const show = async () => {
    const summary = await bridge.metrics.summary();
    const connectors = await Promise.all(
      receivers.counts().map(async (c) => ({ ...c, deadLetters: await store.deadLetters(c.connector).count() })),
    );
    progress.update(renderDemoScreen({ summary, startedAt, published: simulator.stats().sent, connectors, tty }));
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
    await bridge.stop(5_000);
    await show();
    await store.close();
    await closeServers();
  };
  if (options.duration !== undefined) {
    await new Promise((r) => setTimeout(r, options.duration));
    await stop();
    return;
  }
  await onShutdown(logger, stop);
}

function logFile(path: string) {
  // Synchronous appends: the demo's log must be complete even when the demo is interrupted.
  return { write: (line: string) => writeFileSync(path, line, { flag: 'a' }) };
}
