import { afterEach, expect, it } from 'vitest';
import { formatCounts, produce, startRig, type Rig } from '../helpers/fault-rig.js';

const STORM = 8;
const RETRY_AFTER_S = 1;

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** When each request counted by `count()` arrived (polled every 5 ms: to within a few ms). */
function arrivals(count: () => number): { times: number[]; stop(): void } {
  const times: number[] = [];
  let seen = count();
  const timer = setInterval(() => {
    const now = count();
    for (; seen < now; seen++) times.push(Date.now());
  }, 5);
  return { times, stop: () => clearInterval(timer) };
}

it(`429 storms from Slack and Jira with Retry-After: ${RETRY_AFTER_S}, and HEC busy (503 code 9): every event delivered, Retry-After waited`, async () => {
  rig = await startRig();
  const r = rig;
  await r.startBridge();
  const slackTimes = arrivals(() => r.slack.requests);
  const jiraTimes = arrivals(() => r.jira.requests().length);
  const hecBefore = r.hec.requests;

  const tooMany = { status: 429, headers: { 'retry-after': String(RETRY_AFTER_S) } };
  r.slack.failNext(STORM, { ...tooMany, body: 'rate_limited' });
  r.jira.failNext(STORM, { ...tooMany, body: { errorMessages: ['Rate limit exceeded.'], errors: {} } });
  r.hec.failNext(STORM, { status: 503, body: { text: 'Server is busy', code: 9 } });
  const slackStart = r.slack.requests;
  const jiraStart = r.jira.requests().length;

  // Enough alerts that Slack sees the whole storm, and a stream for the others.
  r.simulator.generate(STORM * 2, 'system.alert');
  await produce(r.simulator, 4_000, 1_000);
  let counts = r.counts();
  try {
    counts = await r.waitComplete(60_000);
  } finally {
    const span = (t: number[], from: number) => (t.length > from + STORM ? t[from + STORM]! - t[from]! : NaN);
    console.log(
      `[faults] throttling: Slack ${r.slack.requests - slackStart} requests for ${counts.slack.expected} messages (${STORM} answered 429, ` +
        `first success ${span(slackTimes.times, 0)} ms after the first 429); Jira ${r.jira.requests().length - jiraStart} requests ` +
        `(${STORM} answered 429, storm lasted ${span(jiraTimes.times, 0)} ms); HEC ${r.hec.requests - hecBefore} requests (${STORM} answered 503 code 9)\n` +
        formatCounts('429 / 503 storms', r.counts()),
    );
    slackTimes.stop();
    jiraTimes.stop();
  }
  expect(counts.hec.missing).toBe(0);
  expect(counts.syslog.missing).toBe(0);
  expect(counts.slack.missing).toBe(0);
  expect(counts.jira.missing).toBe(0);
  expect(counts.jira.duplicateIssues).toBe(0);
  expect(counts.slack.duplicates).toBe(0);
  // The first request after the storm came no sooner than Retry-After allows.
  expect(slackTimes.times[STORM]! - slackTimes.times[STORM - 1]!).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 50);
  expect(jiraTimes.times[STORM]! - jiraTimes.times[STORM - 1]!).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 50);
  await r.stopBridge();
});
