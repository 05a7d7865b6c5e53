import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver, type HecReceiver, type ParsedHecEvent } from '../src/demo/hec-receiver.js';
import { contentId } from '../src/scans/progress-follower.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/simulator/index.js';
import { Bridge } from '../src/bridge.js';
import { parseConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/logger.js';
import { keyTag } from '../src/store/redis/keys.js';
import { createRedisStore } from '../src/store/redis/redis-store.js';
import { startBridge, type BridgeHarness } from './helpers/bridge-harness.js';
import { waitFor } from './helpers/bridge-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { everythingToHecYaml } from './helpers/config-yaml.js';

const API_KEY = 'progress-test-key';
const HEC_TOKEN = 'progress-test-hec';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function rig(simOptions: SimulatorOptions, progress = 'follow: all, max_streams: 2'): Promise<{ sim: Simulator; hec: HecReceiver; bridge: BridgeHarness }> {
  const sim = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 500, progressKeepaliveMs: 300, ...simOptions });
  const hec = await startHecReceiver({ token: HEC_TOKEN });
  cleanup.push(() => sim.close(), () => hec.close());
  const bridge = await startBridge(`source:
  base_url: ${sim.url}
  api_key: ${API_KEY}
  heartbeat_timeout: 5s
  reconnect: { initial_delay: 50ms, max_delay: 300ms }
coordination: { lease: 3s }
scan_progress: { ${progress}, heartbeat_timeout: 3s }
server: { enabled: false }
${everythingToHecYaml({ url: hec.url, token: HEC_TOKEN })}`);
  cleanup.push(() => bridge.stop());
  await waitFor(() => sim.stats().connections >= 1, 'the bridge to connect');
  return { sim, hec, bridge };
}

const progressOf = (hec: HecReceiver, scanId: string): ParsedHecEvent[] =>
  hec.received().filter((e) => e.event.type.startsWith('scan_progress.') && e.event.data.scan_id === scanId);
const completed = (hec: HecReceiver, scanId: string) => progressOf(hec, scanId).some((e) => e.event.type === 'scan_progress.scan_complete');

describe('scan progress streams', () => {
  it('follows a scan announced by scan.created to scan_complete, routed as scan_progress.* types, then frees the connection', async () => {
    const { sim, hec } = await rig({});
    const scanId = sim.startScan({ findings: 3, queueMs: 300, durationMs: 1_500 });
    await waitFor(() => completed(hec, scanId), 'scan_progress.scan_complete at HEC', 15_000);

    const events = progressOf(hec, scanId);
    const types = events.map((e) => e.event.type);
    expect(types[0]).toBe('scan_progress.status_change');
    expect(types.filter((t) => t === 'scan_progress.finding_added')).toHaveLength(3);
    expect(types.at(-1)).toBe('scan_progress.scan_complete');
    expect(types.filter((t) => t === 'scan_progress.scan_complete')).toHaveLength(1);
    expect(events.every((e) => e.event.subscription === '_progress')).toBe(true);
    // The same findings as the event stream's finding.new for this scan.
    const findings = sim.scans().find((s) => s.id === scanId)!.findings.map((f) => f.id);
    expect(events.filter((e) => e.event.type === 'scan_progress.finding_added').map((e) => e.event.data.finding_id)).toEqual(findings);
    await waitFor(() => sim.stats().progressConnections === 0, 'the progress stream to close');
    expect(sim.stats().maxConnections).toBeLessThanOrEqual(2);
  });

  it('reconnects a stream cut mid-scan and delivers nothing twice (events are recognised by content)', async () => {
    const { sim, hec, bridge } = await rig({});
    const scanId = sim.startScan({ findings: 6, queueMs: 100, durationMs: 3_000 });
    await waitFor(() => progressOf(hec, scanId).some((e) => e.event.type === 'scan_progress.finding_added'), 'a first finding_added');
    sim.dropConnections(); // cuts the progress stream (and the event stream) at the socket
    await waitFor(() => completed(hec, scanId), 'scan_progress.scan_complete after the cut', 20_000);
    await new Promise((r) => setTimeout(r, 300));

    const events = progressOf(hec, scanId);
    const keys = events.map((e) => contentId(scanId, { type: e.event.type.slice('scan_progress.'.length), data: JSON.stringify(e.event.data) }));
    expect(new Set(keys).size).toBe(keys.length); // no change delivered twice
    expect(new Set(events.map((e) => e.event.id)).size).toBe(events.length);
    const scan = sim.scans().find((s) => s.id === scanId)!;
    // Every stage's running and completed, every finding: nothing lost across the cut.
    const stages = events.filter((e) => e.event.type === 'scan_progress.stage_update').map((e) => `${e.event.data.stage}:${e.event.data.status}`);
    for (const stage of scan.stages) for (const status of ['running', 'completed']) expect(stages).toContain(`${stage.name}:${status}`);
    expect(new Set(events.filter((e) => e.event.type === 'scan_progress.finding_added').map((e) => e.event.data.finding_id))).toEqual(
      new Set(scan.findings.map((f) => f.id)),
    );
    // It reconnected (two progress connections were opened, one at a time).
    expect(bridge.logs.filter((l) => l.includes(`"subscription":"scan ${scanId}"`) && l.includes('event stream connected')).length).toBeGreaterThanOrEqual(2);
  });

  it('follows 10 scans on 2 free connections, in turn, never using more than the budget', async () => {
    // Standard tier: 5 connections; the event stream takes 1; at most 2 progress streams.
    const { sim, hec, bridge } = await rig({});
    const ids = Array.from({ length: 10 }, () => sim.startScan({ findings: 1, queueMs: 0, durationMs: 1_200 }));
    await waitFor(() => ids.every((id) => completed(hec, id)), 'every scan followed to scan_complete', 40_000);
    expect(sim.stats().maxConnections).toBeLessThanOrEqual(3);
    expect(sim.stats().rejected.tooMany).toBe(0);
    // Queued in the store, taken oldest first: the first two were followed before the last two.
    const firstSeen = (id: string) => hec.received().findIndex((e) => e.event.type.startsWith('scan_progress.') && e.event.data.scan_id === id);
    expect(Math.max(firstSeen(ids[0]!), firstSeen(ids[1]!))).toBeLessThan(Math.min(firstSeen(ids[8]!), firstSeen(ids[9]!)));
    await waitFor(async () => (await bridge.store.coordination().queue('progress').size()) === 0, 'the queue to empty');
  });

  it('keeps the queue of scans to follow in the store: a restarted bridge follows those still waiting', { timeout: 60_000 }, async () => {
    const sim = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 300, progressKeepaliveMs: 300 });
    const hec = await startHecReceiver({ token: HEC_TOKEN });
    const prefix = uniquePrefix('progress-restart');
    cleanup.push(() => sim.close(), () => hec.close(), () => deleteKeys(keyTag(prefix)));
    const yaml = `source:
  base_url: ${sim.url}
  api_key: ${API_KEY}
  heartbeat_timeout: 5s
  reconnect: { initial_delay: 50ms, max_delay: 300ms }
coordination: { lease: 3s }
scan_progress: { follow: all, max_streams: 1, heartbeat_timeout: 3s }
server: { enabled: false }
store:
  redis_url: ${REDIS_URL}
  key_prefix: ${prefix}
  consumer: restart-test
${everythingToHecYaml({ url: hec.url, token: HEC_TOKEN })}`;
    const start = async () => {
      const config = parseConfig(yaml, 'test.yaml', {});
      const logger = createLogger({ level: 'warn', secrets: config.secrets, destination: { write: () => undefined } });
      const store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix, consumer: 'restart-test', logger });
      const bridge = new Bridge({ config, store, logger });
      bridge.start();
      return { bridge, store, stop: async () => (await bridge.stop(1_000), await store.close()) };
    };
    const first = await start();
    await waitFor(() => sim.stats().connections === 1, 'the first bridge to connect');
    const ids = [0, 1, 2].map(() => sim.startScan({ findings: 1, queueMs: 0, durationMs: 4_000 }));
    await waitFor(async () => sim.stats().progressConnections === 1 && (await first.store.coordination().queue('progress').size()) === 3, 'one followed, two waiting');
    await first.stop();
    const second = await start();
    cleanup.push(() => second.stop());
    await waitFor(() => ids.every((id) => completed(hec, id)), 'all three followed to scan_complete by the restarted bridge', 30_000);
    expect(sim.stats().maxConnections).toBeLessThanOrEqual(2);
  });

  it('warns and counts when the platform reports the stream lagged', async () => {
    const { sim, hec, bridge } = await rig({}, 'follow: [full]');
    const scanId = sim.startScan({ scanType: 'full', findings: 2, queueMs: 200, durationMs: 2_000 });
    const other = sim.startScan({ scanType: 'dns', findings: 0, queueMs: 0, durationMs: 300 });
    await waitFor(() => sim.stats().progressConnections === 1 && progressOf(hec, scanId).length > 0, 'the progress stream');
    const res = await fetch(`${sim.url}/_sim/scans/${scanId}/lag`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"skip":2}' });
    expect(((await res.json()) as { streams: number }).streams).toBe(1);
    await waitFor(() => completed(hec, scanId), 'scan_complete', 15_000);
    expect(bridge.logs.some((l) => l.includes('stream lagged') && l.includes('"skipped":2'))).toBe(true);
    expect(await bridge.bridge.metrics.registry.getSingleMetricAsString('s4e_bridge_progress_lagged_total')).toMatch(/ 2$/m);
    // A scan type not followed is not.
    expect(progressOf(hec, other)).toEqual([]);
  });
});
