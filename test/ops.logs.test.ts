import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver } from '../src/demo/hec-receiver.js';
import { startSimulator } from '../src/simulator/index.js';
import { runCli, waitFor, writeConfig, type BridgeProcess } from './helpers/bridge-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { expectNoSecrets, opsConfig } from './ops.helpers.js';

const API_KEY = 'ops-logs-api-key-6d0f';
const HEC_TOKEN = 'ops-logs-hec-token-e5a3';
const REDIS_PASSWORD = 'ops-logs-redis-password-2c8b';

/** REDIS_URL with a password when it has none: Redis without one accepts it with a warning, and it must be masked. */
function redisUrlWithPassword(): string {
  const url = new URL(REDIS_URL);
  if (url.password === '') url.password = REDIS_PASSWORD;
  return url.toString();
}

describe('the bridge log', () => {
  let cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  async function start(args: readonly string[]): Promise<{ bridge: BridgeProcess; simulator: Awaited<ReturnType<typeof startSimulator>> }> {
    const prefix = uniquePrefix('ops-logs');
    const simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 1_000 });
    const receiver = await startHecReceiver({ token: HEC_TOKEN });
    cleanup.push(() => simulator.close(), () => receiver.close(), () => deleteKeys(prefix));
    // Query auth and debug level: the key is in the URL of logged lines and must be masked there.
    const yaml = opsConfig({
      simulatorUrl: simulator.url,
      apiKey: API_KEY,
      auth: 'query',
      hecUrl: receiver.url,
      hecToken: HEC_TOKEN,
      prefix,
      redisUrl: redisUrlWithPassword(),
      log: 'log: { level: debug, summary_interval: 1s }',
    });
    const bridge = runCli(['run', '--config', writeConfig(yaml), ...args]);
    cleanup.push(async () => {
      bridge.child.kill('SIGTERM');
      expect(await bridge.exited).toBe(0);
      expectNoSecrets(bridge.output, [API_KEY, HEC_TOKEN, REDIS_PASSWORD]);
    });
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    return { bridge, simulator };
  }

  it('writes one JSON line per state change: connected, then reconnecting with reason and delay', async () => {
    const { bridge, simulator } = await start([]);
    // ioredis itself warns on stderr, in plain text, that this Redis needs no password.
    const lines = () => bridge.output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    await waitFor(() => lines().some((l) => l.msg === 'event stream connected'), 'the connected line');
    simulator.dropConnections();
    await waitFor(() => lines().filter((l) => l.msg === 'event stream connected').length === 2, 'the second connection');
    const reconnecting = lines().filter((l) => l.msg === 'reconnecting to the event stream');
    expect(reconnecting).toEqual([expect.objectContaining({ level: 'warn', subscription: 'all', reason: expect.any(String), delayMs: expect.any(Number) })]);
    // Where it connects is said at info, the API key masked in the URL.
    expect(lines().filter((l) => l.msg === 'connecting to the event stream')).toContainEqual(
      expect.objectContaining({ level: 'info', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/events\/stream\?token=\[REDACTED\]$/) }),
    );
    expect(lines().find((l) => l.msg === 'event stream connected')).toMatchObject({ url: expect.stringContaining('token=[REDACTED]') });
  });

  it('says every log.summary_interval what was received, delivered and is waiting, also when nothing happened', async () => {
    const { bridge, simulator } = await start([]);
    const lines = () => bridge.output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const summaries = () => lines().filter((l) => String(l.msg).startsWith('in the last '));
    const ids = simulator.generate(30, 'finding.new');
    await waitFor(() => summaries().some((l) => (l.connectors as Record<string, { delivered: number }>).splunk!.delivered > 0), 'a summary with deliveries');
    const busy = summaries().find((l) => (l.connectors as Record<string, { delivered: number }>).splunk!.delivered > 0)!;
    expect(busy).toMatchObject({ level: 'info', subscriptions: { all: 'connected' }, connectors: { splunk: { deadLettered: 0, backlog: expect.any(Number) } } });
    expect(busy.msg).toMatch(/^in the last \d+ s: received \d+; splunk delivered \d+ \(backlog \d+/);

    // Quiet afterwards: the line still comes, saying so.
    const delivered = () => summaries().reduce((sum, l) => sum + (l.connectors as Record<string, { delivered: number }>).splunk!.delivered, 0);
    await waitFor(() => delivered() >= ids.length, 'every event counted as delivered');
    const seen = summaries().length;
    await waitFor(() => summaries().length >= seen + 2, 'two more summaries');
    expect(summaries().at(-1)).toMatchObject({ connectors: { splunk: { delivered: 0, backlog: 0 } } });
  });

  it('--log-format pretty writes readable lines, masked the same way', async () => {
    const { bridge } = await start(['--log-format', 'pretty']);
    await waitFor(() => bridge.output.some((l) => l.includes('event stream connected')), 'the connected line');
    const connected = bridge.output.find((l) => l.includes('event stream connected'))!;
    expect(connected).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO/);
    expect(bridge.output.some((l) => l.trimStart().startsWith('{"level"'))).toBe(false);
    expect(bridge.output.join('\n')).toContain('token=[REDACTED]');
  });
});
