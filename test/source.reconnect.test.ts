import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { SubscriptionState } from '../src/source/index.js';
import {
  captureLogs,
  frame,
  startSseServer,
  subscribe,
  until,
  type Script,
  type SseServer,
  type Subscriber,
} from './helpers/sse-server.js';

let server: SseServer | undefined;
let subscriber: Subscriber | undefined;
afterEach(async () => {
  await subscriber?.stop();
  await server?.close();
});

async function serve(script: Script): Promise<SseServer> {
  server = await startSseServer(script);
  return server;
}

function reconnects(states: readonly SubscriptionState[]) {
  return states.filter((s) => s.state === 'reconnecting');
}

/** Milliseconds between the server seeing request `i - 1` and request `i`. */
function gap(s: SseServer, i: number): number {
  return s.requests[i]!.at - s.requests[i - 1]!.at;
}

const OK_STREAM = { frames: [frame({ id: 'e1', event: 'finding.new', data: '{}' })] };

describe('reconnecting', () => {
  it("waits the server's retry: after the stream ends", async () => {
    const s = await serve((n) =>
      n === 0 ? { frames: [frame({ retry: 1500 }), frame({ id: 'e1', data: '{}' })], then: 'end' } : OK_STREAM,
    );
    subscriber = subscribe(s, { reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });

    await s.waitForRequests(2);
    expect(reconnects(subscriber.states)[0]).toEqual({
      state: 'reconnecting',
      reason: 'stream ended by the server',
      delayMs: 1500,
    });
    expect(gap(s, 1)).toBeGreaterThanOrEqual(1400);
    expect(gap(s, 1)).toBeLessThan(4000);
  });

  it('backs off exponentially on 5xx, up to maxDelayMs', async () => {
    const s = await serve(() => ({ status: 503, then: 'end' }));
    // random() = 1 takes the top of each jitter range, so the delays are the ceilings.
    subscriber = subscribe(s, { reconnect: { initialDelayMs: 100, maxDelayMs: 400 }, random: () => 1 });

    await s.waitForRequests(5);
    expect(reconnects(subscriber.states).slice(0, 4)).toEqual(
      [100, 200, 400, 400].map((delayMs) => ({ state: 'reconnecting', reason: 'HTTP 503', delayMs })),
    );
    expect(gap(s, 2)).toBeGreaterThanOrEqual(180);
    expect(gap(s, 4)).toBeGreaterThanOrEqual(380);
  });

  it('starts the backoff over after a connection that delivered events', async () => {
    const healthyThenEnds = { frames: [frame({ id: 'e1', data: '{}' })], then: 'end' as const };
    const s = await serve((n) => (n === 2 ? healthyThenEnds : n === 4 ? OK_STREAM : { status: 503, then: 'end' }));
    subscriber = subscribe(s, { reconnect: { initialDelayMs: 100, maxDelayMs: 1000 }, random: () => 1 });

    await s.waitForRequests(5);
    expect(reconnects(subscriber.states).map((r) => r.state === 'reconnecting' && r.delayMs)).toEqual([
      100, 200, 100, 200,
    ]);
  });

  it('waits Retry-After on 429', async () => {
    const s = await serve((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '1' }, then: 'end' } : OK_STREAM));
    subscriber = subscribe(s);

    await s.waitForRequests(2);
    expect(reconnects(subscriber.states)).toEqual([
      { state: 'reconnecting', reason: 'rate limited (HTTP 429)', delayMs: 1000 },
    ]);
    expect(gap(s, 1)).toBeGreaterThanOrEqual(950);
  });

  it('backs off on 429 without Retry-After', async () => {
    const s = await serve((n) => (n === 0 ? { status: 429, then: 'end' } : OK_STREAM));
    subscriber = subscribe(s, { reconnect: { initialDelayMs: 100, maxDelayMs: 1000 }, random: () => 1 });

    await s.waitForRequests(2);
    expect(reconnects(subscriber.states)).toEqual([
      { state: 'reconnecting', reason: 'rate limited (HTTP 429)', delayMs: 100 },
    ]);
  });

  it('reconnects on a response that is not an event stream', async () => {
    const s = await serve((n) => (n === 0 ? { headers: { 'content-type': 'text/html' }, then: 'end' } : OK_STREAM));
    subscriber = subscribe(s);

    await until(() => subscriber!.events.length === 1);
    expect(reconnects(subscriber.states)).toEqual([
      expect.objectContaining({ reason: 'unexpected content type "text/html"' }),
    ]);
  });

  it('gives up on a connection that sends no response head within connectTimeoutMs', async () => {
    const s = await serve((n) => (n === 0 ? { hang: true } : OK_STREAM));
    subscriber = subscribe(s, { connectTimeoutMs: 300 });

    await until(() => subscriber!.events.length === 1);
    expect(reconnects(subscriber.states)).toEqual([
      expect.objectContaining({ reason: `connection failed: no response within 300 ms (${s.baseUrl}/api/events/stream)` }),
    ]);
  });

  it.each([401, 403])('stops for good on %i, with one clear message and no retries', async (status) => {
    const s = await serve(() => ({ status, then: 'end' }));
    const { logger, lines } = captureLogs();
    subscriber = subscribe(s, { logger });

    await s.waitForRequests(1);
    await delay(2_000);
    expect(s.requests).toHaveLength(1);
    expect(subscriber.states.at(-1)).toEqual({
      state: 'stopped',
      reason: expect.stringMatching(new RegExp(`^API key rejected \\(HTTP ${status}\\)`)),
      fatal: true,
    });
    expect(subscriber.states.filter((st) => st.state === 'stopped')).toHaveLength(1);
    expect(lines.filter((l) => l.includes('API key rejected'))).toHaveLength(1);
  });
});

describe('heartbeat watchdog', () => {
  it('reconnects after heartbeatTimeoutMs of silence, resuming where it was', async () => {
    const s = await serve((n) => ({ frames: [frame({ id: `e${n + 1}`, data: '{}' })] }));
    subscriber = subscribe(s, { heartbeatTimeoutMs: 400 });

    await s.waitForRequests(2);
    expect(reconnects(subscriber.states)[0]).toEqual(expect.objectContaining({ reason: 'heartbeat timeout' }));
    expect(s.requests[1]!.headers['last-event-id']).toBe('e1');
  });

  it('counts comments as signs of life', async () => {
    const keepalives = Array.from({ length: 12 }, () => [{ pauseMs: 100 }, ': keepalive\n\n']).flat();
    const s = await serve(() => ({ frames: [frame({ id: 'e1', data: '{}' }), ...keepalives] }));
    subscriber = subscribe(s, { heartbeatTimeoutMs: 400 });

    await delay(1_200);
    expect(s.requests).toHaveLength(1);
    expect(reconnects(subscriber.states)).toEqual([]);
  });
});
