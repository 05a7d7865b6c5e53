import { afterEach, expect, it } from 'vitest';
import { formatCounts, produce, sleep, startRig, until, type Rig } from '../helpers/fault-rig.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const OUTAGE_MS = Number(process.env.FAULT_REDIS_OUTAGE_MS ?? 10_000);
const EVENTS = 12_000;
const RATE = 600;

let rig: Rig | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await rig?.close();
  await redis?.close();
  rig = undefined;
  redis = undefined;
});

it(`Redis (AOF) stopped for ${OUTAGE_MS / 1000} s mid-stream and started again: nothing lost, the bridge reconnects by itself`, async () => {
  redis = await startRedisServer({ appendOnly: true });
  rig = await startRig({ redisUrl: redis.url });
  const r = rig;
  const bridge = await r.startBridge();
  const streaming = produce(r.simulator, EVENTS, RATE);
  await sleep(5_000);
  const atStop = { published: r.simulator.published().length, hec: r.hec.eventCount };
  await redis.stop();
  await sleep(OUTAGE_MS);
  const atStart = { published: r.simulator.published().length, hec: r.hec.eventCount };
  await redis.start();
  const startedAt = Date.now();
  await until(() => r.hec.eventCount > atStart.hec, 30_000, 'deliveries to resume after Redis is back');
  const resumedMs = Date.now() - startedAt;
  await streaming;
  let counts = r.counts();
  try {
    counts = await r.waitComplete(90_000);
  } finally {
    console.log(
      `[faults] Redis stopped at ${atStop.published} published (${atStop.hec} at HEC), started again after ${OUTAGE_MS} ms at ${atStart.published} published (${atStart.hec} at HEC); deliveries resumed ${resumedMs} ms after it was back\n` +
        formatCounts('Redis outage', r.counts()),
    );
  }
  // The same process throughout: it reconnected by itself.
  expect(r.bridges).toHaveLength(1);
  expect(bridge.child.exitCode).toBeNull();
  expect(bridge.output.join('\n')).toContain('Redis connection lost');
  expect(counts.hec.missing).toBe(0);
  expect(counts.syslog.missing).toBe(0);
  expect(counts.slack.missing).toBe(0);
  expect(counts.jira.missing).toBe(0);
  expect(counts.jira.duplicateIssues).toBe(0);
  await r.stopBridge();
});
