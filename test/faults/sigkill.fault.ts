import { afterEach, expect, it } from 'vitest';
import { formatCounts, produce, sleep, startRig, type Rig } from '../helpers/fault-rig.js';

const EVENTS = Number(process.env.FAULT_SIGKILL_EVENTS ?? 20_000);
const KILLS = 5;
const RATE = 800;

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it(`SIGKILL of the bridge at ${KILLS} random moments during a ${EVENTS}-event stream: every event at HEC and syslog, one Jira issue per finding`, async () => {
  rig = await startRig();
  const r = rig;
  await r.startBridge();
  const streaming = produce(r.simulator, EVENTS, RATE);
  const kills: string[] = [];
  const started = Date.now();
  for (let i = 0; i < KILLS; i++) {
    // A random moment 0.5–2.5 s after the bridge took the stream again (restarts take about 2 s).
    await sleep(500 + Math.random() * 2_000);
    await r.killBridge();
    kills.push(`${((Date.now() - started) / 1000).toFixed(1)}s (${r.simulator.published().length} published, ${r.hec.eventCount} at HEC)`);
    await sleep(100 + Math.random() * 400); // the stream goes on while it is down
    await r.startBridge();
  }
  await streaming;
  let counts = r.counts();
  try {
    // Jira locks held by a killed bridge expire after 30 s (LOCK_TTL_MS): allow for that.
    counts = await r.waitComplete(90_000);
  } finally {
    console.log(`[faults] SIGKILL at ${kills.join(', ')}\n${formatCounts(`SIGKILL ×${kills.length}`, r.counts())}`);
  }
  expect(counts.published).toBe(EVENTS);
  expect(counts.hec.missing).toBe(0);
  expect(counts.syslog.missing).toBe(0);
  expect(counts.slack.missing).toBe(0);
  expect(counts.jira.missing).toBe(0);
  expect(counts.jira.duplicateIssues).toBe(0);
  expect(r.jira.issues().length).toBe(counts.jira.findings);
  await r.stopBridge();
});
