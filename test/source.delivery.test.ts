import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { RawEvent } from '../src/source/index.js';
import { ReadBudget, SHARED_READ_BUDGET } from '../src/source/read-budget.js';
import { frame, startSseServer, subscribe, until, type SseServer, type Subscriber } from './helpers/sse-server.js';

let server: SseServer | undefined;
let subscriber: Subscriber | undefined;
let others: Subscriber[] = [];
afterEach(async () => {
  await Promise.all([subscriber, ...others].map((s) => s?.stop()));
  others = [];
  await server?.close();
});

const strip = ({ receivedAt: _, ...rest }: RawEvent) => rest;

describe('handing events over', () => {
  it('passes unknown event types and events without id through as received', async () => {
    server = await startSseServer(() => ({
      frames: [
        frame({ event: 'custom.thing', data: 'x' }),
        frame({ data: 'plain' }),
        // A server event named like EventSource's own `error` is still just an event.
        frame({ id: 'a1', event: 'error', data: 'line 1\nline 2' }),
        frame({ id: 'a2', event: 'finding.new', data: '{}' }),
      ],
    }));
    subscriber = subscribe(server);

    await until(() => subscriber!.events.length === 4);
    expect(subscriber.events.map(strip)).toEqual([
      { type: 'custom.thing', data: 'x' },
      { type: 'message', data: 'plain' },
      { id: 'a1', type: 'error', data: 'line 1\nline 2' },
      { id: 'a2', type: 'finding.new', data: '{}' },
    ]);
    expect(subscriber.events.every((e) => typeof e.receivedAt === 'number')).toBe(true);
  });

  it('hands events that arrive together, or during a call, over in one batch, in order', async () => {
    const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `e${from + i}`);
    server = await startSseServer(() => ({
      frames: [
        ids(1, 5).map((id) => frame({ id, data: '{}' })).join(''),
        { pauseMs: 100 },
        ...ids(6, 10).flatMap((id) => [frame({ id, data: '{}' }), { pauseMs: 20 }]),
      ],
    }));
    let inFlight = 0;
    let overlapped = false;
    subscriber = subscribe(server, {
      deliver: async () => {
        overlapped ||= inFlight > 0;
        inFlight += 1;
        await delay(400);
        inFlight -= 1;
      },
    });

    await until(() => subscriber!.events.length === 10);
    expect(subscriber.batches.map((b) => b.map((e) => e.id))).toEqual([ids(1, 5), ids(6, 10)]);
    expect(overlapped).toBe(false);
  });

  it('stops reading while onEvents is behind, and loses nothing', async () => {
    const total = 2_000;
    const maxBuffered = 100;
    const payload = 'x'.repeat(1_000);
    server = await startSseServer(() => ({
      frames: Array.from({ length: total }, (_, i) => frame({ id: `e${i + 1}`, data: payload })),
    }));
    subscriber = subscribe(server, { maxBuffered, deliver: () => delay(30) });

    await until(() => subscriber!.events.length === total, 20_000);
    expect(subscriber.events.map((e) => e.id)).toEqual(Array.from({ length: total }, (_, i) => `e${i + 1}`));
    // The bound is checked per chunk read, so it can be passed by one chunk's events (~64 KiB).
    const largest = Math.max(...subscriber.batches.map((b) => b.length));
    expect(largest).toBeLessThanOrEqual(maxBuffered + 100);
    expect(server.requests).toHaveLength(1);
  });

  it('holds no more event data across subscriptions than their shared budget, one chunk each aside, and loses nothing', async () => {
    const perStream = 1_000;
    const payload = 'x'.repeat(1_000);
    server = await startSseServer(() => ({
      frames: Array.from({ length: perStream }, (_, i) => frame({ id: `e${i + 1}`, data: payload })),
    }));
    const budget = new ReadBudget(20_000);
    let mostHeld = 0;
    const deliver = async () => {
      mostHeld = Math.max(mostHeld, budget.usedBytes);
      await delay(5);
    };
    others = Array.from({ length: 4 }, () => subscribe(server!, { readBudget: budget, deliver }));

    await until(() => others.every((s) => s.events.length === perStream), 30_000);
    const ids = Array.from({ length: perStream }, (_, i) => `e${i + 1}`);
    for (const s of others) expect(s.events.map((e) => e.id)).toEqual(ids);
    // Each stream may read one chunk (at most 64 KiB) past a budget that had room: 4 MB were offered.
    expect(mostHeld).toBeGreaterThan(0);
    expect(mostHeld).toBeLessThanOrEqual(20_000 + others.length * 64 * 1024);
    expect(budget.usedBytes).toBe(0);
  });

  it("counts a subscription without a budget of its own against the process's shared one", async () => {
    server = await startSseServer(() => ({ frames: [frame({ id: 'e1', data: 'x'.repeat(500) })] }));
    const held: number[] = [];
    subscriber = subscribe(server, { deliver: async () => void held.push(SHARED_READ_BUDGET.usedBytes) });

    await until(() => subscriber!.events.length === 1);
    expect(held[0]).toBeGreaterThanOrEqual(500);
  });

  it('stop() closes the stream and waits for the onEvents call in flight', async () => {
    server = await startSseServer(() => ({
      frames: [frame({ id: 'e1', data: '{}' }), { pauseMs: 100 }, frame({ id: 'e2', data: '{}' })],
    }));
    let finished = false;
    subscriber = subscribe(server, {
      deliver: async () => {
        await delay(300);
        finished = true;
      },
    });

    await until(() => subscriber!.subscription.state.state === 'connected');
    await delay(50);
    await subscriber.stop();
    expect(finished).toBe(true);
    const delivered = subscriber.events.length;
    await delay(300);
    expect(subscriber.events).toHaveLength(delivered);
    expect(subscriber.subscription.state).toEqual({ state: 'stopped', reason: 'stopped', fatal: false });
    expect(server.requests).toHaveLength(1);
  });
});
