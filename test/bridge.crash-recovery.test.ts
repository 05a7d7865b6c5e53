import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver, type HecReceiver } from '../src/demo/hec-receiver.js';
import { startSimulator, type Simulator } from '../src/simulator/index.js';
import { runCli, waitFor, writeConfig } from './helpers/bridge-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';

const API_KEY = 'crash-test-api-key-0001';
const HEC_TOKEN = 'crash-test-hec-token-0002';

function config(simulator: Simulator, receiver: HecReceiver, prefix: string): string {
  return `source:
  base_url: ${simulator.url}
  api_key: ${API_KEY}
  heartbeat_timeout: 10s
  reconnect: { initial_delay: 100ms, max_delay: 1s }
store:
  redis_url: ${REDIS_URL}
  key_prefix: ${prefix}
  consumer: crash-test
subscriptions:
  - name: all
connectors:
  splunk:
    type: splunk_hec
    url: ${receiver.url}
    token: ${HEC_TOKEN}
    batch: { max_events: 200, max_delay: 20ms }
    delivery: { retry: { initial_delay: 50ms, max_delay: 500ms } }
routes:
  - name: everything
    to: [splunk]
server:
  listen: 127.0.0.1:0
`;
}

describe('a bridge killed with SIGKILL mid-stream', () => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  it('delivers every event to HEC after a restart, and reports the duplicates', { timeout: 90_000 }, async () => {
    const prefix = uniquePrefix('crash');
    const simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 1_000 });
    const receiver = await startHecReceiver({ token: HEC_TOKEN });
    cleanup.push(() => simulator.close(), () => receiver.close(), () => deleteKeys(prefix));
    const file = writeConfig(config(simulator, receiver, prefix));

    const first = runCli(['run', '--config', file]);
    // A fresh bridge has no checkpoint and streams live: publish once it is connected.
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    // A steady stream of 2,000 events/s from the test, so the kill lands mid-stream.
    const producer = setInterval(() => simulator.generate(20), 10);
    cleanup.push(async () => clearInterval(producer));
    await waitFor(() => receiver.received().length > 1_000, 'first deliveries');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    await new Promise((r) => setTimeout(r, 500)); // events keep coming while the bridge is down
    const second = runCli(['run', '--config', file]);
    cleanup.push(async () => {
      second.child.kill('SIGTERM');
      await second.exited;
    });
    await new Promise((r) => setTimeout(r, 1_000));
    clearInterval(producer);

    const published = simulator.published();
    const missing = () => {
      const got = new Set(receiver.received().map((e) => e.event.id));
      return published.filter((id) => !got.has(id));
    };
    await waitFor(() => missing().length === 0, `all ${published.length} events at HEC (missing ${missing().length})`, 30_000);

    const ids = receiver.received().map((e) => e.event.id).filter((id) => !id.startsWith('evt-hb'));
    const duplicates = ids.length - new Set(ids).size;
    console.log(`crash test: ${published.length} published, ${ids.length} received at HEC, ${duplicates} duplicates after SIGKILL`);
    expect(missing()).toEqual([]);
    expect([...first.output, ...second.output].join('\n')).not.toContain(API_KEY);
  });
});
