import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import type { DeliveryOutcome } from '../connectors/types.js';
import type { AuthFailure, CircuitState } from '../src/delivery/circuit.js';
import { capturedLogger } from './helpers/captured-logger.js';
import { TEST_BATCH, TEST_DELIVERY, heldClock, startWorker } from './helpers/delivery-worker.js';
import { MemoryOutbox, envelopes } from './helpers/memory-outbox.js';
import { ScriptedConnector, deliverAll, type Step } from './helpers/scripted-connector.js';

const AUTH_RETRY_MS = 60_000;
const REFUSED: DeliveryOutcome = { status: 'unauthorized', reason: 'HEC 403 code 4: Invalid token' };

/** Refuses the credentials until `accepted` is set, then delivers. */
function rotatedToken() {
  const state = { accepted: false };
  const step: Step = (batch) => (state.accepted ? deliverAll(batch, AbortSignal.abort()) : batch.map(() => REFUSED));
  return { state, step };
}

function watched() {
  const circuits: CircuitState[] = [];
  const auth: (AuthFailure | undefined)[] = [];
  return { circuits, auth, events: { onCircuit: (s: CircuitState) => circuits.push(s), onAuthFailure: (f: AuthFailure | undefined) => auth.push(f) } };
}

describe('refused credentials (auth_failed)', () => {
  it('pause the connector with its outbox kept, probe once per auth_retry, and resume by themselves once accepted', async () => {
    const outbox = new MemoryOutbox(envelopes(10));
    const { state, step } = rotatedToken();
    const connector = new ScriptedConnector([step]);
    const { circuits, auth, events } = watched();
    const { lines, logger } = capturedLogger();
    const clock = heldClock(AUTH_RETRY_MS);
    startWorker({
      connector,
      outbox,
      batch: { ...TEST_BATCH, maxEvents: 5 },
      // A plain failure would be dead-lettered at once: refused credentials never are.
      delivery: { ...TEST_DELIVERY, concurrency: 2, retry: { ...TEST_DELIVERY.retry, maxDurationMs: 0 }, circuit: { failureThreshold: 5, openForMs: 1_000, authRetryMs: AUTH_RETRY_MS } },
      events,
      logger,
      ...clock,
    });

    await vi.waitFor(() => expect(auth).toEqual([{ reason: REFUSED.reason, since: expect.any(Number) }]));
    // The batches wait for the probe, and the worker takes nothing more.
    await vi.waitFor(() => expect(clock.held()).toBeGreaterThanOrEqual(2));
    const callsWhilePaused = connector.calls.length;
    await delay(50);
    expect(connector.calls).toHaveLength(callsWhilePaused);
    expect(circuits).toEqual(['open']);

    clock.pass();
    await vi.waitFor(() => expect(connector.calls).toHaveLength(callsWhilePaused + 1));
    await vi.waitFor(() => expect(clock.held()).toBeGreaterThanOrEqual(2));
    await delay(50);
    expect(connector.calls).toHaveLength(callsWhilePaused + 1);
    expect(circuits).toEqual(['open', 'half-open', 'open']);

    state.accepted = true;
    clock.pass();
    await vi.waitFor(() => expect(outbox.acked.sort()).toEqual(envelopes(10).map((e) => e.id).sort()));
    expect(outbox.deadLetters).toEqual([]);
    expect(auth).toEqual([expect.objectContaining({ reason: REFUSED.reason }), undefined]);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([expect.stringMatching(/^the destination refuses the credentials: connector paused \(auth_failed\)/)]);
    expect(lines.filter((l) => l.msg === 'credentials accepted again: connector resumed')).toHaveLength(1);
    expect(lines.some((l) => /circuit (opened|closed)|deliveries failing|dead-lettered/.test(String(l.msg)))).toBe(false);
  });

  it('a replaced connector (new credentials) is tried at once, and the old one closed once idle', async () => {
    const outbox = new MemoryOutbox(envelopes(4));
    const old = new ScriptedConnector([(batch) => batch.map(() => REFUSED)]);
    let oldClosed = false;
    old.close = async () => void (oldClosed = true);
    const { auth, events } = watched();
    const clock = heldClock(AUTH_RETRY_MS);
    const worker = startWorker({
      connector: old,
      outbox,
      delivery: { ...TEST_DELIVERY, circuit: { failureThreshold: 5, openForMs: 1_000, authRetryMs: AUTH_RETRY_MS } },
      events,
      ...clock,
    });
    await vi.waitFor(() => expect(worker.authFailure).toMatchObject({ reason: REFUSED.reason }));
    await vi.waitFor(() => expect(clock.held()).toBeGreaterThan(0));

    const fresh = new ScriptedConnector([deliverAll]);
    worker.replaceConnector(fresh);
    // No clock.pass(): the probe does not wait for the end of the pause.
    await vi.waitFor(() => expect(outbox.acked.sort()).toEqual(['e1', 'e2', 'e3', 'e4']));
    expect(fresh.calls.flat().sort()).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(worker.connector).toBe(fresh);
    expect(worker.authFailure).toBeUndefined();
    expect(auth.at(-1)).toBeUndefined();
    await vi.waitFor(() => expect(oldClosed).toBe(true));
  });
});
