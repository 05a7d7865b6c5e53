import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver } from '../src/demo/hec-receiver.js';
import { startSimulator } from '../src/simulator/index.js';
import { runCli, waitFor, writeConfig } from './helpers/bridge-process.js';
import { deleteKeys, uniquePrefix } from './helpers/redis.js';
import { expectNoSecrets, opsConfig, startSlowProxy } from './ops.helpers.js';

const API_KEY = 'ops-shutdown-api-key-31b7';
const HEC_TOKEN = 'ops-shutdown-hec-token-c04e';

describe('SIGTERM during a busy stream with a slow sink', () => {
  let cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  it.each([
    // In-flight requests finish well within the grace period.
    { sink: 'slow', delayMs: 600, graceMs: 5_000 },
    // In-flight requests outlast the grace period: they are cut, their events stay in the outbox.
    { sink: 'stuck', delayMs: 20_000, graceMs: 1_500 },
  ])('a $sink sink: exits 0 within the grace period, and a restart delivers the rest', { timeout: 90_000 }, async ({ delayMs, graceMs }) => {
    const prefix = uniquePrefix('ops-shutdown');
    const simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 1_000 });
    const receiver = await startHecReceiver({ token: HEC_TOKEN });
    const slow = await startSlowProxy(receiver.url, delayMs);
    cleanup.push(() => simulator.close(), () => receiver.close(), () => slow.close(), () => deleteKeys(prefix));
    const config = (hecUrl: string) =>
      opsConfig({
        simulatorUrl: simulator.url,
        apiKey: API_KEY,
        hecUrl,
        hecToken: HEC_TOKEN,
        prefix,
        batch: '{ max_events: 50, max_delay: 20ms }',
        server: `server:\n  listen: 127.0.0.1:0\n  shutdown_grace: ${graceMs}ms`,
      });

    const first = runCli(['run', '--config', writeConfig(config(slow.url))]);
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    const producer = setInterval(() => simulator.generate(10), 10); // ~1,000 events/s
    cleanup.push(async () => clearInterval(producer));
    await waitFor(() => slow.requests >= 2, 'deliveries under way', 20_000);

    const stoppingAt = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const tookMs = Date.now() - stoppingAt;
    clearInterval(producer);
    expect(tookMs).toBeLessThan(graceMs + 1_500);
    expect(first.output.some((l) => l.includes('bridge stopped'))).toBe(true);

    simulator.generate(100); // published while the bridge is down: replayed after the restart
    const second = runCli(['run', '--config', writeConfig(config(receiver.url))]);
    cleanup.push(async () => {
      second.child.kill('SIGTERM');
      await second.exited;
    });
    const published = simulator.published();
    const missing = () => {
      const got = new Set(receiver.received().map((e) => e.event.id));
      return published.filter((id) => !got.has(id));
    };
    await waitFor(() => missing().length === 0, `all ${published.length} events at HEC`, 45_000);
    console.log(`shutdown test (${delayMs} ms sink, ${graceMs} ms grace): stopped in ${tookMs} ms; ${published.length} published, all delivered after the restart`);
    expectNoSecrets([...first.output, ...second.output], [API_KEY, HEC_TOKEN]);
  });
});
