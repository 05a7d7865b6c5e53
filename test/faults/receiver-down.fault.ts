import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { keyTag } from '../../src/store/redis/keys.js';
import { formatCounts, produce, rssMb, sleep, startRig, type Rig } from '../helpers/fault-rig.js';
import { REDIS_URL } from '../helpers/redis.js';

/** How long the receivers stay down (the issue's "several minutes", scaled down). */
const DOWN_MS = Number(process.env.FAULT_RECEIVER_DOWN_MS ?? 8_000);
const RATE = Number(process.env.FAULT_RECEIVER_DOWN_RATE ?? 4_000);
/** The bridge's RSS may not pass this, however large the backlog. */
const MAX_RSS_MB = 250;

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it(`every receiver down for ${DOWN_MS / 1000} s under ${RATE} events/s, then back: everything delivered, the backlog in Redis, RSS bounded`, async () => {
  rig = await startRig();
  const r = rig;
  const bridge = await r.startBridge();
  const redis = new Redis(REDIS_URL);
  const outbox = `${keyTag(r.prefix)}:outbox:splunk`;
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const mb = rssMb(bridge.child.pid);
    if (mb !== undefined) rss.push(mb);
  }, 200);
  try {
    const total = Math.round((RATE * (DOWN_MS + 4_000)) / 1000);
    const streaming = produce(r.simulator, total, RATE);
    await sleep(2_000);
    const rssBefore = rssMb(bridge.child.pid)!;
    const proxies = Object.values(r.proxies);
    // HTTP peers go down abruptly, as a crash (an unanswered request is retried). Syslog has no
    // acknowledgement: records in flight when a receiver crashes are lost with it (plain TCP
    // syslog's known limit, see connectors/cef-syslog/transport-stream.ts), so its receiver
    // stops cleanly, reading what had arrived, as a daemon being stopped does.
    await Promise.all(proxies.map((p) => (p === r.proxies.syslog ? p.down({ graceful: true }) : p.down())));
    const downAt = { published: r.simulator.published().length, hec: r.hec.eventCount };
    await sleep(300);
    const hecSettled = r.hec.eventCount; // a request already in the receiver when the path went down
    await sleep(DOWN_MS - 300);
    const backlog = await redis.xlen(outbox);
    const rssDown = Math.max(...rss);
    await Promise.all(proxies.map((p) => p.up()));
    const upAt = { published: r.simulator.published().length, hec: r.hec.eventCount };
    await streaming;
    let counts = r.counts();
    try {
      counts = await r.waitComplete(90_000);
    } finally {
      console.log(
        `[faults] receivers down from ${downAt.published} to ${upAt.published} published (${upAt.published - downAt.published} events during the outage); ` +
          `HEC outbox backlog in Redis at the end of it: ${backlog}; bridge RSS ${rssBefore.toFixed(0)} MB before, ${rssDown.toFixed(0)} MB peak while down, ` +
          `${Math.max(...rss).toFixed(0)} MB peak overall\n${formatCounts('receivers down', r.counts())}`,
      );
    }
    expect(upAt.hec).toBe(hecSettled); // nothing got through while down
    expect(backlog).toBeGreaterThan((upAt.published - downAt.published) * 0.5);
    expect(Math.max(...rss)).toBeLessThan(MAX_RSS_MB);
    expect(counts.hec.missing).toBe(0);
    expect(counts.syslog.missing).toBe(0);
    expect(counts.slack.missing).toBe(0);
    expect(counts.jira.missing).toBe(0);
    expect(counts.jira.duplicateIssues).toBe(0);
    await r.stopBridge();
  } finally {
    clearInterval(sampler);
    redis.disconnect();
  }
});
