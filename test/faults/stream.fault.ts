import { afterEach, expect, it } from 'vitest';
import { formatCounts, produce, sleep, startRig, until, type Rig } from '../helpers/fault-rig.js';

const HEARTBEAT_TIMEOUT_MS = 2_000;
const EVENTS = 10_000;
const RATE = 500;
/** How far back the forged Last-Event-ID points: events the bridge already has. */
const REPLAYED = 2_000;

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it('the stream cut inside an event, reset, stalled without closing, and replaying already-seen events: nothing lost, nothing twice', async () => {
  // retry: 500 ms, so that each reconnection is quick.
  rig = await startRig({ heartbeatTimeout: `${HEARTBEAT_TIMEOUT_MS / 1000}s`, simulator: { heartbeatIntervalMs: 500, retryMs: 500 } });
  const r = rig;
  const proxy = r.sourceProxy;
  await r.startBridge();
  const streaming = produce(r.simulator, EVENTS, RATE);
  const log: string[] = [];
  /** Waits for the next stream request (not just a TCP connection: it sends a request head). */
  const reconnected = async (what: string, since: number, timeoutMs = 10_000) => {
    const t0 = Date.now();
    await until(() => proxy.heads.length > since && r.simulator.stats().connections > 0, timeoutMs, `a reconnection after ${what}`);
    const head = proxy.heads[proxy.heads.length - 1]!.head;
    log.push(`${what}: reconnected in ${Date.now() - t0} ms with ${/^last-event-id:.*$/im.exec(head)?.[0] ?? 'no Last-Event-ID'}`);
  };
  const caughtUp = () => until(() => r.hec.eventCount >= r.simulator.published().length - RATE / 10, 10_000, 'the bridge to catch up');

  await sleep(2_000);
  let requests = proxy.heads.length;
  await proxy.cutInside('data: ');
  await reconnected('cut inside an event', requests);

  await sleep(2_000);
  requests = proxy.heads.length;
  proxy.reset();
  await reconnected('TCP reset', requests);

  await sleep(2_000);
  requests = proxy.heads.length;
  proxy.stall();
  const stalledAt = Date.now();
  await until(() => r.output().some((line) => line.includes('"heartbeat timeout"')), HEARTBEAT_TIMEOUT_MS + 5_000, 'the heartbeat watchdog');
  const watchdogMs = Date.now() - stalledAt;
  log.push(`stalled: the watchdog gave up after ${watchdogMs} ms of silence (heartbeat_timeout ${HEARTBEAT_TIMEOUT_MS} ms)`);
  await reconnected('the watchdog', requests);
  proxy.unstall();

  // Once the bridge has caught up, its checkpoint is newer than the id forged here.
  await caughtUp();
  const published = r.simulator.published();
  const older = published[Math.max(0, published.length - REPLAYED)]!;
  const sentBefore = r.simulator.stats().sent;
  proxy.rewriteRequests((head) => head.replace(/^last-event-id:.*$/im, `last-event-id: ${older}`));
  requests = proxy.heads.length;
  r.simulator.dropConnections();
  await reconnected(`a forged Last-Event-ID ${REPLAYED} events back`, requests);
  proxy.rewriteRequests(undefined);
  const ids = r.simulator.stats().lastEventIds;
  expect(ids[ids.length - 1]).toBe(older);

  await streaming;
  let counts = r.counts();
  try {
    counts = await r.waitComplete(60_000);
  } finally {
    const stats = r.simulator.stats();
    console.log(
      `[faults] stream faults: ${log.join('; ')}; ${stats.sent - sentBefore} frames sent since the forged Last-Event-ID ` +
        `(${proxy.heads.length} stream requests in all)\n${formatCounts('stream faults', r.counts())}`,
    );
  }
  expect(watchdogMs).toBeGreaterThanOrEqual(HEARTBEAT_TIMEOUT_MS - 100);
  expect(counts.hec.missing).toBe(0);
  expect(counts.syslog.missing).toBe(0);
  expect(counts.slack.missing).toBe(0);
  expect(counts.jira.missing).toBe(0);
  // No crash here: the replayed events are dropped at ingest (dedupe), none is delivered twice.
  expect(counts.hec.duplicates).toBe(0);
  expect(counts.syslog.duplicates).toBe(0);
  expect(counts.slack.duplicates).toBe(0);
  expect(counts.jira.duplicateIssues).toBe(0);
  await r.stopBridge();
});
