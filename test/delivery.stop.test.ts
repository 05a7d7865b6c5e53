import { describe, expect, it, vi } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { TEST_BATCH, TEST_DELIVERY, startWorker } from './helpers/delivery-worker.js';
import { MemoryOutbox, envelopes } from './helpers/memory-outbox.js';
import { ScriptedConnector, deliverAll, gated, retryAll, type Step } from './helpers/scripted-connector.js';

describe('delivery worker stop', () => {
  it('lets an in-flight delivery finish within the grace period and leaves the rest in the outbox', async () => {
    const outbox = new MemoryOutbox(envelopes(10));
    const gate = gated();
    const connector = new ScriptedConnector([gate.step, deliverAll]);
    const worker = startWorker({ connector, outbox, batch: { ...TEST_BATCH, maxEvents: 2 } });
    // One batch in flight, one taken and waiting for a slot.
    await vi.waitFor(() => expect(outbox.inFlight).toBe(4));

    const stopped = worker.stop(5_000);
    await delay(20);
    gate.open();
    await stopped;

    expect(outbox.acked).toEqual(['e1', 'e2']);
    expect(connector.calls).toHaveLength(1);
    expect(connector.signals[0]!.aborted).toBe(false);
    expect(outbox.waiting).toBe(6);
    expect((await outbox.backlog()).count).toBe(8);
  });

  it('aborts a delivery that outlives the grace period without acking it', async () => {
    const outbox = new MemoryOutbox(envelopes(3));
    // A connector claiming success only once aborted: too late, the worker has moved on.
    const late: Step = (batch, signal) =>
      new Promise((resolve) => signal.addEventListener('abort', () => resolve(deliverAll(batch, signal))));
    const connector = new ScriptedConnector([late]);
    const worker = startWorker({ connector, outbox });
    await vi.waitFor(() => expect(connector.calls).toHaveLength(1));

    await worker.stop(50);

    expect(connector.signals[0]!.aborted).toBe(true);
    await delay(10);
    expect(outbox.acks).toEqual([]);
    expect(outbox.inFlight).toBe(3);
  });

  it('does not wait out a retry delay when stopping', async () => {
    const outbox = new MemoryOutbox(envelopes(1));
    const connector = new ScriptedConnector([retryAll('HTTP 503')]);
    const retry = { ...TEST_DELIVERY.retry, initialDelayMs: 60_000, maxDelayMs: 60_000 };
    const worker = startWorker({ connector, outbox, delivery: { ...TEST_DELIVERY, retry }, random: () => 1 });
    await vi.waitFor(() => expect(connector.calls).toHaveLength(1));

    const startedAt = Date.now();
    await worker.stop(30_000);

    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(connector.calls).toHaveLength(1);
    expect(outbox.inFlight).toBe(1);
  });
});
