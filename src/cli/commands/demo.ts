import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Bridge } from '../../bridge.js';
import { parseConfig } from '../../config/load.js';
import { startHecReceiver } from '../../demo/hec-receiver.js';
import { demoConfig, type DemoStore } from '../../demo/config.js';
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
 * delivers them to a local HEC receiver that writes each event as a JSON line.
 */
export async function demoCommand(options: DemoOptions): Promise<void> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const apiKey = 'demo-api-key';
  const hecToken = 'demo-hec-token';
  const simulator = await startSimulator({ rate: options.rate, apiKeys: [apiKey], heartbeatIntervalMs: 5_000 });
  const receiver = await startHecReceiver({ token: hecToken, file: join(dir, 'hec-events.jsonl') });

  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // Redis when one answers; else the embedded store, so the demo needs nothing but Node.
  const demoStore: DemoStore = (await redisAnswers(redisUrl)) ? { redisUrl } : { path: join(dir, 'data') };
  const yaml = demoConfig({ simulatorUrl: simulator.url, hecUrl: receiver.url, store: demoStore });
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, yaml);
  const config = parseConfig(yaml, configFile, { ...process.env, DEMO_API_KEY: apiKey, DEMO_HEC_TOKEN: hecToken });
  const logger = createLogger({ level: 'info', secrets: config.secrets, destination: logFile(join(dir, 'bridge.log')) });
  const store = await openStore(config.store, logger).catch(async (error: unknown) => {
    // E.g. another demo holds the embedded store: stop the servers, or they keep the process alive.
    await Promise.all([simulator.close(), receiver.close()]);
    throw error;
  });
  await Promise.all(config.connectors.map((c) => store.outbox(c.name).backlog()));
  const bridge = new Bridge({ config, store, logger });
  const startedAt = Date.now();
  bridge.start();

  const progress = new Progress();
  const { tty } = progress;
  progress.log(`demo: simulator ${simulator.url}, HEC receiver ${receiver.url}, config ${configFile}, log ${join(dir, 'bridge.log')}`);
  progress.log(
    'redisUrl' in demoStore
      ? `demo: store: Redis at ${redactUrl(redisUrl)}`
      : `demo: store: embedded, in ${demoStore.path} (no Redis answered at ${redactUrl(redisUrl)})`,
  );
  progress.log(`demo: events the receiver got are in ${join(dir, 'hec-events.jsonl')}; Ctrl-C stops${tty ? '' : ' (plain lines: stdout is not a terminal)'}`);
  const show = async () => {
    const [summary, deadLetters] = await Promise.all([bridge.metrics.summary(), store.deadLetters('splunk').count()]);
    progress.update(renderDemoScreen({ summary, startedAt, published: simulator.stats().sent, received: receiver.eventCount, deadLetters, tty }));
  };
  const timer = setInterval(() => void show().catch(() => undefined), tty ? 1_000 : 5_000);
  const stop = async () => {
    clearInterval(timer);
    await bridge.stop(5_000);
    await show();
    await Promise.all([store.close(), simulator.close(), receiver.close()]);
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
