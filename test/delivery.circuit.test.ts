import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { Circuit, type CircuitState } from '../src/delivery/circuit.js';
import { silentLogger } from '../src/observability/logger.js';
import { capturedLogger } from './helpers/captured-logger.js';
import { TEST_BATCH, TEST_DELIVERY, heldClock, startWorker } from './helpers/delivery-worker.js';
import { MemoryOutbox, envelopes } from './helpers/memory-outbox.js';
import { ScriptedConnector, deliverAll, gated, retryAll, type Step } from './helpers/scripted-connector.js';

const OPEN_FOR_MS = 30_000;

const circuitClock = () => heldClock(OPEN_FOR_MS);

/** Fails (retryably) until `healthy` is set, then runs `then`. */
function outage(then: Step = deliverAll) {
  const state = { healthy: false };
  const step: Step = (batch, signal) => (state.healthy ? then(batch, signal) : retryAll('HTTP 503')(batch, signal));
  return { state, step };
}

function watched() {
  const states: CircuitState[] = [];
  return { states, events: { onCircuit: (state: CircuitState) => states.push(state) } };
}

describe('delivery circuit breaker', () => {
  it('opens after failure_threshold failed batches, takes nothing while open, re-opens on a failed probe and closes on a good one', async () => {
    const outbox = new MemoryOutbox(envelopes(10));
    const { state, step } = outage();
    const connector = new ScriptedConnector([step]);
    const { states, events } = watched();
    const { lines, logger } = capturedLogger();
    const clock = circuitClock();
    startWorker({
      connector,
      outbox,
      batch: { ...TEST_BATCH, maxEvents: 1 },
      // Each failed batch is dead-lettered at once: only the circuit keeps the worker from the rest.
      delivery: { ...TEST_DELIVERY, retry: { ...TEST_DELIVERY.retry, maxDurationMs: 0 }, circuit: { failureThreshold: 3, openForMs: OPEN_FOR_MS } },
      events,
      logger,
      ...clock,
    });

    await vi.waitFor(() => expect(states).toEqual(['open']));
    expect(connector.calls).toHaveLength(3);
    await vi.waitFor(() => expect(clock.held()).toBeGreaterThan(0));
    const waiting = outbox.waiting;
    await delay(50);
    expect(outbox.waiting).toBe(waiting);
    expect(connector.calls).toHaveLength(3);

    clock.pass();
    await vi.waitFor(() => expect(states).toEqual(['open', 'half-open', 'open']));
    expect(connector.calls).toHaveLength(4);

    state.healthy = true;
    await vi.waitFor(() => expect(clock.held()).toBeGreaterThan(0));
    clock.pass();
    await vi.waitFor(() => expect(outbox.acked).toHaveLength(6));
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    await vi.waitFor(() => expect(lines.filter((l) => String(l.msg).startsWith('circuit'))).toHaveLength(2));
    expect(lines.filter((l) => String(l.msg).startsWith('circuit'))).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'circuit opened', connector: 'test', reason: 'HTTP 503', failures: 3, openForMs: OPEN_FOR_MS }),
      expect.objectContaining({ level: 'info', msg: 'circuit closed', openForMs: expect.any(Number) }),
    ]);
  });

  it('lets ONE probe through after open_for; the other retrying batches wait for its answer', async () => {
    const outbox = new MemoryOutbox(envelopes(3));
    const gate = gated();
    const { state, step } = outage(gate.step);
    const connector = new ScriptedConnector([step]);
    const { states, events } = watched();
    const clock = circuitClock();
    startWorker({
      connector,
      outbox,
      batch: { ...TEST_BATCH, maxEvents: 1 },
      delivery: { ...TEST_DELIVERY, concurrency: 3, circuit: { failureThreshold: 3, openForMs: OPEN_FOR_MS } },
      events,
      ...clock,
    });
    await vi.waitFor(() => expect(states).toEqual(['open']));
    // The three batches retry; each waits for the circuit (and the worker waits to take).
    await vi.waitFor(() => expect(clock.held()).toBe(4));
    const failedCalls = connector.calls.length;

    state.healthy = true;
    clock.pass();
    await vi.waitFor(() => expect(connector.calls).toHaveLength(failedCalls + 1));
    await delay(50);
    expect(connector.calls).toHaveLength(failedCalls + 1);
    expect(states).toEqual(['open', 'half-open']);

    gate.open();
    await vi.waitFor(() => expect(outbox.acked.sort()).toEqual(['e1', 'e2', 'e3']));
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('is not opened by events the destination rejects: it answered', async () => {
    const outbox = new MemoryOutbox(envelopes(6));
    const reject: Step = (batch) => batch.map(() => ({ status: 'failed', reason: 'HTTP 400' }));
    const { states, events } = watched();
    startWorker({
      connector: new ScriptedConnector([reject]),
      outbox,
      batch: { ...TEST_BATCH, maxEvents: 1 },
      delivery: { ...TEST_DELIVERY, circuit: { failureThreshold: 2, openForMs: OPEN_FOR_MS } },
      events,
    });

    await vi.waitFor(() => expect(outbox.deadLetters).toHaveLength(6));
    expect(states).toEqual([]);
  });

  it('counts consecutive failures only: a success starts the count over', () => {
    const circuit = new Circuit({ failureThreshold: 3, openForMs: OPEN_FOR_MS }, { logger: silentLogger, events: {}, now: Date.now, sleep: async () => {} });
    circuit.failed('HTTP 503');
    circuit.failed('HTTP 503');
    circuit.succeeded();
    circuit.failed('HTTP 503');
    circuit.failed('HTTP 503');
    expect(circuit.state).toBe('closed');
    circuit.failed('HTTP 503');
    expect(circuit.state).toBe('open');
  });
});
