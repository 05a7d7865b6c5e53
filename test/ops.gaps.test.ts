import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver } from '../src/demo/hec-receiver.js';
import { GapLog } from '../src/observability/gaps.js';
import { startSimulator } from '../src/simulator/index.js';
import { createRedisStore } from '../src/store/redis/redis-store.js';
import { runCli, waitFor, writeConfig, type BridgeProcess } from './helpers/bridge-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { endpointOf, expectNoSecrets, get, metrics, opsConfig, sampleValue } from './ops.helpers.js';

const API_KEY = 'ops-gaps-api-key-77c1';
const HEC_TOKEN = 'ops-gaps-hec-token-2e90';
/** The platform's replay buffer, scaled down from 5 minutes. */
const REPLAY_WINDOW_MS = 1_000;

describe('a gap with backfill off', () => {
  let cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  async function cli(args: readonly string[]) {
    const run = runCli(args);
    const code = await run.exited;
    expectNoSecrets(run.output, [API_KEY, HEC_TOKEN]);
    return { code, output: run.output };
  }

  it('is an error line, a metric, a line of /readyz and of status until `gaps ack`', { timeout: 90_000 }, async () => {
    const simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 200, replayWindowMs: REPLAY_WINDOW_MS });
    const receiver = await startHecReceiver({ token: HEC_TOKEN });
    cleanup.push(() => simulator.close(), () => receiver.close());
    const yaml = opsConfig({
      simulatorUrl: simulator.url,
      apiKey: API_KEY,
      hecUrl: receiver.url,
      hecToken: HEC_TOKEN,
      prefix: 'unused',
      storePath: join(mkdtempSync(join(tmpdir(), 's4e-gaps-')), 'data'),
      log: 'backfill: { enabled: false }',
    }).replace('heartbeat_timeout: 10s', `heartbeat_timeout: 10s\n  replay_window: ${REPLAY_WINDOW_MS}ms`);
    const config = writeConfig(yaml);
    const start = () => {
      const bridge = runCli(['run', '--config', config]);
      cleanup.push(async () => {
        bridge.child.kill('SIGTERM');
        await bridge.exited;
        expectNoSecrets(bridge.output, [API_KEY, HEC_TOKEN]);
      });
      return bridge;
    };
    const stop = async (bridge: BridgeProcess) => {
      bridge.child.kill('SIGTERM');
      expect(await bridge.exited).toBe(0);
    };

    const first = start();
    await waitFor(() => simulator.stats().connections === 1, 'the first bridge to connect');
    simulator.generate(20, 'finding.new');
    await waitFor(() => receiver.eventCount >= 20, 'the events at HEC');
    await stop(first);
    const stoppedAt = Date.now();
    await sleep(REPLAY_WINDOW_MS * 2.5);

    const second = start();
    const restartedAt = Date.now();
    const endpoint = await endpointOf(second);
    await waitFor(async () => (await get(`${endpoint}/readyz`)).status === 503, '/readyz 503');
    const gapLine = second.output.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).includes('replay buffer'));
    expect(gapLine).toMatchObject({ level: 'error', subscription: 'all', backfill: false });

    const ready = (await get(`${endpoint}/readyz`)).body;
    expect(ready).toMatch(
      /^not ready:\n- gap all: events from \S+Z to \S+Z may have been missed \(checkpoint \S+ was older than the replay buffer; backfill is off\); `s4e-bridge gaps ack` acknowledges it\n$/,
    );
    const open = await metrics(endpoint);
    expect(sampleValue(open, 's4e_bridge_gap_open', { subscription: 'all' })).toBe(1);
    expect(sampleValue(open, 's4e_bridge_gaps_total', { subscription: 'all' })).toBe(1);
    // The window covers the time the bridge was away.
    expect(sampleValue(open, 's4e_bridge_gap_start_timestamp_seconds', { subscription: 'all' })! * 1000).toBeLessThanOrEqual(stoppedAt);
    expect(sampleValue(open, 's4e_bridge_gap_end_timestamp_seconds', { subscription: 'all' })! * 1000).toBeGreaterThanOrEqual(restartedAt - 1_000);

    const status = await cli(['status', '--config', config]);
    expect(status.output).toContainEqual(expect.stringMatching(/^all\s+\d{4}-\S+Z\s+\d{4}-\S+Z\s+off$/));
    expect(status.output).toContain('events in these windows may have been missed: `s4e-bridge gaps ack` once dealt with');
    const listed = await cli(['gaps', 'list', '--config', config, '--json']);
    expect(JSON.parse(listed.output.join('\n')).gaps).toEqual([expect.objectContaining({ subscription: 'all', backfill: 'off' })]);

    // Through the running bridge (it holds the embedded store), over its local socket.
    const ack = await cli(['gaps', 'ack', '--config', config]);
    expect(ack.code).toBe(0);
    expect(ack.output.at(-1)).toBe('acknowledged 1 gap');
    await waitFor(async () => (await get(`${endpoint}/readyz`)).status === 200, '/readyz 200 again');
    expect(sampleValue(await metrics(endpoint), 's4e_bridge_gap_open', { subscription: 'all' })).toBe(0);
    expect((await cli(['gaps', 'ack', '--config', config])).output).toEqual(['no open gap to acknowledge']);
  });
});

describe('the gap log', () => {
  let cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  async function gapLog(retentionMs = 60_000) {
    const prefix = uniquePrefix('ops-gaps');
    const store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix, consumer: 'ops-test' });
    cleanup.push(() => deleteKeys(prefix), () => store.close());
    return new GapLog(store, ['findings', 'alerts'], retentionMs);
  }

  it('widens an open gap to cover a second one on the same subscription', async () => {
    const gaps = await gapLog();
    await gaps.record({ subscription: 'findings', from: 1_000, until: 5_000, checkpoint: 'evt-1', backfill: 'off' });
    await gaps.record({ subscription: 'findings', from: 3_000, until: 9_000, checkpoint: 'evt-3', backfill: 'off' });
    expect(await gaps.list()).toEqual([expect.objectContaining({ subscription: 'findings', from: 1_000, until: 9_000, checkpoint: 'evt-1' })]);
  });

  it('a backfill that covered the window closes its gap; one that failed leaves it open, marked', async () => {
    const gaps = await gapLog();
    await gaps.record({ subscription: 'findings', from: 1_000, until: 5_000, checkpoint: 'evt-1', backfill: 'pending' });
    await gaps.record({ subscription: 'alerts', from: 1_000, until: 5_000, checkpoint: 'evt-9', backfill: 'pending' });
    await gaps.backfilled(4_000, true);
    expect((await gaps.list()).map((g) => g.subscription)).toEqual(['findings', 'alerts']); // the window was not covered
    await gaps.backfilled(6_000, false);
    expect((await gaps.list()).map((g) => g.backfill)).toEqual(['failed', 'failed']);
    await gaps.record({ subscription: 'alerts', from: 1_000, until: 7_000, checkpoint: 'evt-9', backfill: 'pending' });
    await gaps.backfilled(8_000, true);
    expect((await gaps.list()).map((g) => g.subscription)).toEqual(['findings']);
  });

  it('forgets a gap nobody acknowledged once source.gap_retention has passed', async () => {
    const gaps = await gapLog(300);
    await gaps.record({ subscription: 'alerts', from: 1_000, until: 5_000, checkpoint: 'evt-9', backfill: 'off' });
    expect(await gaps.list()).toHaveLength(1);
    await waitFor(async () => (await gaps.list()).length === 0, 'the gap to age out', 5_000);
  });
});
