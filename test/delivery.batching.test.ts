import { describe, expect, it, vi } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { STORE_TIMEOUT_SLACK_MS, takeBatch } from '../src/delivery/fill.js';
import type { OutboxEntry } from '../src/store/types.js';
import { TEST_BATCH, TEST_DELIVERY, skipClock, startWorker } from './helpers/delivery-worker.js';
import { MemoryOutbox, envelopes } from './helpers/memory-outbox.js';
import { ScriptedConnector, deliverAll, gated } from './helpers/scripted-connector.js';

describe('delivery worker batching', () => {
  it('fills batches up to maxEvents and acks each batch in one call', async () => {
    const outbox = new MemoryOutbox(envelopes(25));
    const connector = new ScriptedConnector([deliverAll]);
    startWorker({ connector, outbox, batch: { ...TEST_BATCH, maxEvents: 10 } });

    await vi.waitFor(() => expect(outbox.acked).toHaveLength(25));
    expect(connector.calls.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(outbox.acks).toEqual(connector.calls);
  });

  it('keeps taking to fill a batch until maxDelayMs, then sends what it has', async () => {
    const outbox = new MemoryOutbox(envelopes(3));
    const connector = new ScriptedConnector([deliverAll]);
    const startedAt = Date.now();
    startWorker({ connector, outbox, batch: { ...TEST_BATCH, maxEvents: 10, maxDelayMs: 300 } });
    await delay(30);
    outbox.append(...envelopes(2, 4));

    await vi.waitFor(() => expect(outbox.acked).toHaveLength(5));
    expect(connector.calls).toEqual([['e1', 'e2', 'e3', 'e4', 'e5']]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
  });

  it('holds a lone event on an idle outbox at most maxDelayMs', async () => {
    const outbox = new MemoryOutbox();
    const connector = new ScriptedConnector([deliverAll]);
    startWorker({ connector, outbox, batch: { ...TEST_BATCH, maxDelayMs: 200 } });
    await delay(300);
    const appendedAt = Date.now();
    outbox.append(...envelopes(1));

    await vi.waitFor(() => expect(outbox.acked).toEqual(['e1']));
    // Less than a whole idle block (1 s) on top of maxDelayMs: the idle time did not count.
    expect(Date.now() - appendedAt).toBeGreaterThanOrEqual(150);
    expect(Date.now() - appendedAt).toBeLessThan(900);
  });

  it('never runs more than `concurrency` deliveries at once', async () => {
    const outbox = new MemoryOutbox(envelopes(60));
    const connector = new ScriptedConnector([
      async (batch, signal) => {
        await delay(5);
        return deliverAll(batch, signal);
      },
    ]);
    startWorker({ connector, outbox, batch: { ...TEST_BATCH, maxEvents: 2 }, delivery: { ...TEST_DELIVERY, concurrency: 3 } });

    await vi.waitFor(() => expect(outbox.acked).toHaveLength(60));
    expect(connector.maxInFlight).toBe(3);
  });

  it('holds at most concurrency + 1 batches, leaving the backlog in the outbox', async () => {
    const outbox = new MemoryOutbox(envelopes(100));
    const gate = gated();
    const connector = new ScriptedConnector([gate.step]);
    startWorker({ connector, outbox, batch: { ...TEST_BATCH, maxEvents: 5 }, delivery: { ...TEST_DELIVERY, concurrency: 2 } });

    await vi.waitFor(() => expect(outbox.inFlight).toBe(15));
    await delay(50);
    expect(outbox.inFlight).toBe(15);
    expect(connector.calls).toHaveLength(2);

    gate.open();
    await vi.waitFor(() => expect(outbox.acked).toHaveLength(100));
  });

  it('backs off and keeps taking when the outbox fails to answer', async () => {
    class FlakyOutbox extends MemoryOutbox {
      failures = 3;
      override async take(max: number, blockMs: number): Promise<OutboxEntry[]> {
        if (this.failures-- > 0) throw new Error('connection refused');
        return super.take(max, blockMs);
      }
    }
    const outbox = new FlakyOutbox(envelopes(2));
    const clock = skipClock();
    startWorker({ connector: new ScriptedConnector([deliverAll]), outbox, random: () => 1, ...clock });

    await vi.waitFor(() => expect(outbox.acked).toEqual(['e1', 'e2']));
    expect(clock.delays).toEqual([100, 200, 400]);
  });

  it('ends a short batch window itself, whatever a store that times blocked reads out late would do', async () => {
    // Like Redis on a quiet server: a blocked read with nothing new ends only at its next cron
    // tick (here: never), while a read that does not block answers at once.
    class LateTimeoutOutbox extends MemoryOutbox {
      override async take(max: number, blockMs: number): Promise<OutboxEntry[]> {
        if (this.waiting === 0 && blockMs > 0) return new Promise(() => {});
        return super.take(max, blockMs);
      }
    }
    const outbox = new LateTimeoutOutbox(envelopes(1));

    const batch = await takeBatch(outbox, { ...TEST_BATCH, maxEvents: 10, maxDelayMs: STORE_TIMEOUT_SLACK_MS }, Date.now);
    expect(batch.map((e) => e.envelope.id)).toEqual(['e1']);
  });
});
