import { describe, expect, it, vi } from 'vitest';
import type { DeliveryOutcome } from '../connectors/types.js';
import { capturedLogger } from './helpers/captured-logger.js';
import { TEST_DELIVERY, skipClock, startWorker } from './helpers/delivery-worker.js';
import { MemoryOutbox, envelopes } from './helpers/memory-outbox.js';
import { ScriptedConnector, deliverAll, retryAll, type Step } from './helpers/scripted-connector.js';

const retry = (initialDelayMs: number, maxDelayMs: number, maxDurationMs = 3_600_000) => ({
  ...TEST_DELIVERY,
  retry: { initialDelayMs, maxDelayMs, maxDurationMs },
});

describe('delivery worker retries', () => {
  it('acks delivered entries, dead-letters failed ones and resends only the retryable ones', async () => {
    const outbox = new MemoryOutbox(envelopes(3));
    const outcomes: DeliveryOutcome[] = [
      { status: 'delivered' },
      { status: 'failed', reason: 'HTTP 400', response: 'bad event' },
      { status: 'retry', reason: 'HTTP 503' },
    ];
    const connector = new ScriptedConnector([() => outcomes, deliverAll]);
    const events = { onDelivered: vi.fn(), onRetry: vi.fn(), onDeadLettered: vi.fn() };
    const { lines, logger } = capturedLogger();
    startWorker({ connector, outbox, events, logger, ...skipClock() });

    await vi.waitFor(() => expect(outbox.acked).toEqual(['e1', 'e3']));
    expect(connector.calls).toEqual([['e1', 'e2', 'e3'], ['e3']]);
    expect(outbox.acks).toEqual([['e1'], ['e3']]);
    expect(outbox.deadLetters).toEqual([{ id: 'e2', failure: { reason: 'HTTP 400', attempts: 1, response: 'bad event' } }]);
    expect(events.onDelivered).toHaveBeenCalledWith(1, [expect.any(Number)]);
    expect(events.onRetry).toHaveBeenCalledWith('HTTP 503', expect.any(Number));
    expect(events.onDeadLettered).toHaveBeenCalledWith(expect.objectContaining({ envelope: expect.objectContaining({ id: 'e2' }) }), 'HTTP 400');

    const deadLine = lines.find((l) => l.msg === 'event dead-lettered');
    expect(deadLine).toMatchObject({ level: 'error', connector: 'test', event: { id: 'e2', type: 'finding.new' }, reason: 'HTTP 400' });
    expect(JSON.stringify(lines)).not.toContain('PAYLOAD-MARKER');
  });

  it("waits the peer's Retry-After when it gives one", async () => {
    const outbox = new MemoryOutbox(envelopes(2));
    const clock = skipClock();
    startWorker({ connector: new ScriptedConnector([retryAll('HTTP 429', 5_000), deliverAll]), outbox, ...clock });

    await vi.waitFor(() => expect(outbox.acked).toEqual(['e1', 'e2']));
    expect(clock.delays).toEqual([5_000]);
  });

  it('caps Retry-After at ten minutes', async () => {
    const outbox = new MemoryOutbox(envelopes(1));
    const clock = skipClock();
    startWorker({ connector: new ScriptedConnector([retryAll('HTTP 503', 3_600_000), deliverAll]), outbox, ...clock });

    await vi.waitFor(() => expect(outbox.acked).toEqual(['e1']));
    expect(clock.delays).toEqual([600_000]);
  });

  it('backs off exponentially with full jitter, up to the cap, without Retry-After', async () => {
    const outbox = new MemoryOutbox(envelopes(1));
    const clock = skipClock();
    const failing = retryAll('HTTP 503');
    const connector = new ScriptedConnector([failing, failing, failing, failing, failing, failing, deliverAll]);
    startWorker({ connector, outbox, delivery: retry(100, 1_000), random: () => 0.5, ...clock });

    await vi.waitFor(() => expect(outbox.acked).toEqual(['e1']));
    expect(clock.delays).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('dead-letters entries still failing after maxDurationMs, with the attempts made and the last reason', async () => {
    const outbox = new MemoryOutbox(envelopes(2));
    const connector = new ScriptedConnector([retryAll('HTTP 502'), retryAll('HTTP 503')]);
    const clock = skipClock();
    // Waits of 100, 200, 400, 400 ms: the 5th attempt starts 1.1 s after the first failed one.
    startWorker({ connector, outbox, delivery: retry(100, 400, 1_000), random: () => 1, ...clock });

    await vi.waitFor(() => expect(outbox.deadLetters).toHaveLength(2));
    const failure = { reason: 'retries exhausted after 5 attempts: HTTP 503', attempts: 5 };
    expect(outbox.deadLetters).toEqual([
      { id: 'e1', failure: expect.objectContaining(failure) },
      { id: 'e2', failure: expect.objectContaining(failure) },
    ]);
    expect(connector.calls).toHaveLength(5);
    expect(clock.delays).toEqual([100, 200, 400, 400]);
    expect(outbox.acked).toEqual([]);
  });

  it('retries a connector that throws, with its message as the reason', async () => {
    const outbox = new MemoryOutbox(envelopes(1));
    const throws: Step = () => {
      throw new Error('boom');
    };
    const onRetry = vi.fn();
    startWorker({ connector: new ScriptedConnector([throws, deliverAll]), outbox, events: { onRetry }, ...skipClock() });

    await vi.waitFor(() => expect(outbox.acked).toEqual(['e1']));
    expect(onRetry).toHaveBeenCalledWith('connector error: boom', expect.any(Number));
  });

  it('treats a delivery that outlives timeoutMs as a retry, aborting its signal', async () => {
    const outbox = new MemoryOutbox(envelopes(1));
    const stuck: Step = () => new Promise(() => {});
    const connector = new ScriptedConnector([stuck, deliverAll]);
    const onRetry = vi.fn();
    startWorker({ connector, outbox, delivery: { ...TEST_DELIVERY, timeoutMs: 50 }, events: { onRetry }, ...skipClock() });

    await vi.waitFor(() => expect(outbox.acked).toEqual(['e1']));
    expect(onRetry).toHaveBeenCalledWith('timed out after 50 ms', expect.any(Number));
    expect(connector.signals[0]!.aborted).toBe(true);
  });

  it('logs once when deliveries start failing and once when they recover, not per retry', async () => {
    const outbox = new MemoryOutbox(envelopes(1));
    const failing = retryAll('HTTP 503');
    const { lines, logger } = capturedLogger();
    startWorker({ connector: new ScriptedConnector([failing, failing, failing, deliverAll]), outbox, logger, ...skipClock() });

    await vi.waitFor(() => expect(outbox.acked).toEqual(['e1']));
    await vi.waitFor(() => expect(lines.filter((l) => l.msg === 'deliveries recovered')).toHaveLength(1));
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({ msg: 'deliveries failing', reason: 'HTTP 503', retryInMs: expect.any(Number) }),
    ]);
    expect(lines.find((l) => l.msg === 'deliveries recovered')).toMatchObject({ level: 'info', failedForMs: expect.any(Number) });
  });
});
