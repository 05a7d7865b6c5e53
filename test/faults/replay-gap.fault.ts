import { afterEach, expect, it } from 'vitest';
import { formatCounts, produce, sleep, startRig, type Rig } from '../helpers/fault-rig.js';

/** The platform's replay buffer (5 minutes in production), scaled down. */
const REPLAY_WINDOW_MS = 2_000;
const DOWN_MS = 4_500;
const RATE = 500;

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

interface GapLine {
  readonly msg: string;
  readonly checkpoint: string;
  readonly missedFrom: string;
  readonly missedUntil: string;
}

it(`the bridge down for ${DOWN_MS / 1000} s, longer than a ${REPLAY_WINDOW_MS / 1000} s replay buffer: the gap is logged with its window`, async () => {
  rig = await startRig({ replayWindow: `${REPLAY_WINDOW_MS}ms`, simulator: { replayWindowMs: REPLAY_WINDOW_MS, heartbeatIntervalMs: 300 } });
  const r = rig;
  await r.startBridge();
  const streaming = produce(r.simulator, Math.round((RATE * (DOWN_MS + 5_000)) / 1000), RATE);
  await sleep(2_000);
  await r.stopBridge();
  await sleep(500); // deliveries under way when it stopped have landed
  const stoppedAt = Date.now();
  // The first bridge's last event: everything after it was for the second one to get.
  const beforeStop = new Set(r.hec.received().map((e) => e.event.id));
  const lastBefore = r.simulator.published().findLastIndex((id) => beforeStop.has(id)) + 1;
  await sleep(DOWN_MS);
  const restartedAt = Date.now();
  const second = await r.startBridge();
  // Gone for good: what was published until the bridge held the stream again.
  const firstAfter = r.simulator.published().length;
  await streaming;
  await sleep(1_000);

  const published = r.simulator.published();
  const whileDown = new Set(published.slice(lastBefore, firstAfter));
  const atHec = new Set(r.hec.received().map((e) => e.event.id));
  const missing = published.filter((id) => !atHec.has(id));
  const gap = second.output
    .map((line) => {
      try {
        return JSON.parse(line) as GapLine;
      } catch {
        return undefined;
      }
    })
    .find((line) => line?.msg?.includes('replay buffer'));
  console.log(
    `[faults] replay gap: bridge down ${restartedAt - stoppedAt} ms with a ${REPLAY_WINDOW_MS} ms replay buffer; ${whileDown.size} events published until it held the stream again, ` +
      `${missing.length} never reached HEC (all of them from that time: ${missing.every((id) => whileDown.has(id))}); logged: ` +
      `${gap ? `"${gap.msg}" window ${gap.missedFrom} .. ${gap.missedUntil} (checkpoint ${gap.checkpoint})` : 'NOTHING'}\n` +
      formatCounts('replay gap', r.counts()),
  );
  expect(gap).toBeDefined();
  // The window named covers the time the bridge was away.
  expect(Date.parse(gap!.missedFrom)).toBeLessThanOrEqual(stoppedAt);
  expect(Date.parse(gap!.missedUntil)).toBeGreaterThanOrEqual(restartedAt - 50);
  // What is missing is exactly what the platform no longer had: nothing from before or after the gap.
  expect(missing.every((id) => whileDown.has(id))).toBe(true);
  await r.stopBridge();
});
