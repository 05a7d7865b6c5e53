import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { KeyedBatches } from '../src/delivery/order.js';
import { orderKey } from '../src/pipeline/envelope-json.js';
import type { Envelope } from '../src/pipeline/envelope.js';
import type { OutboxEntry } from '../src/store/types.js';
import { TEST_BATCH, TEST_DELIVERY, skipClock, startWorker } from './helpers/delivery-worker.js';
import { MemoryOutbox } from './helpers/memory-outbox.js';
import { ScriptedConnector, deliverAll, gated, retryAll, type Step } from './helpers/scripted-connector.js';

/** An event about `key`: `f…` a finding, `s…` a scan (no finding), anything else neither. */
function about(id: string, key: string): Envelope {
  const data = key.startsWith('f') ? { finding_id: key, scan_id: 'scan-of-finding' } : key.startsWith('s') ? { scan_id: key } : {};
  return { id, type: 'finding.new', data, subscription: 'test', receivedAt: Date.now() };
}

const entry = (id: string, key: string): OutboxEntry => ({ ref: id, envelope: about(id, key), deliveries: 1 });
const ids = (entries: readonly OutboxEntry[]) => entries.map((e) => e.envelope.id);

/** A seeded PRNG (mulberry32), so a failing interleaving can be run again. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('per-finding delivery order', () => {
  it('keys events by finding, else scan, else not at all', () => {
    expect(orderKey(about('e1', 'f1'))).toBe('finding:f1');
    expect(orderKey({ ...about('e1', 'x'), data: { finding_id: 7 } })).toBe('finding:7');
    expect(orderKey(about('e2', 's1'))).toBe('scan:s1');
    expect(orderKey(about('e3', 'none'))).toBeUndefined();
    expect(orderKey({ ...about('e4', 'x'), data: { finding_id: '', scan_id: null } })).toBeUndefined();
  });

  it('holds an entry back while its key is in an unfinished batch, with every later entry of that key', () => {
    const taken = new KeyedBatches();
    taken.add([entry('a1', 'fa'), entry('b1', 'fb'), entry('a2', 'fa'), entry('n1', '-'), entry('b2', 'fb'), entry('c1', 'sc'), entry('c2', 'sc')]);

    const first = taken.next(2);
    expect(ids(first)).toEqual(['a1', 'b1']);
    // Entries of one key may share a batch, in order; busy keys wait.
    const second = taken.next(10);
    expect(ids(second)).toEqual(['n1', 'c1', 'c2']);
    expect(taken.next(10)).toEqual([]);
    expect(taken.size).toBe(7);

    taken.finish(first);
    expect(ids(taken.next(1))).toEqual(['a2']);
    expect(ids(taken.next(1))).toEqual(['b2']);
    taken.finish(second);
    expect(taken.size).toBe(2);
  });

  it("delivers each finding's events in arrival order under concurrency 4, different findings in parallel", async () => {
    const random = seeded(20240611);
    const keys = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 's1', 's2', 's3', '-'];
    const arrived = Array.from({ length: 300 }, (_, i) => about(`e${i + 1}`, keys[Math.floor(random() * keys.length)]!));
    const delivered = new Map<string, string[]>();
    const busyKeys = new Set<string>();
    const shared: string[] = [];
    const slowAndFlaky: Step = async (batch, signal) => {
      const batchKeys = new Set(batch.flatMap((e) => orderKey(e) ?? []));
      for (const key of batchKeys) if (busyKeys.has(key)) shared.push(key);
      for (const key of batchKeys) busyKeys.add(key);
      try {
        await delay(Math.floor(Math.random() * 5));
        // Whole-batch retries too: a batch resent later must still come before its keys' next events.
        if (Math.random() < 0.15) return retryAll()(batch, signal);
        for (const e of batch) delivered.set(orderKey(e) ?? '-', [...(delivered.get(orderKey(e) ?? '-') ?? []), e.id]);
        return deliverAll(batch, signal);
      } finally {
        for (const key of batchKeys) busyKeys.delete(key);
      }
    };
    const outbox = new MemoryOutbox(arrived);
    const connector = new ScriptedConnector([slowAndFlaky]);
    startWorker({ connector, outbox, batch: { ...TEST_BATCH, maxEvents: 3 }, delivery: { ...TEST_DELIVERY, concurrency: 4 }, ...skipClock() });

    await vi.waitFor(() => expect(outbox.acked).toHaveLength(300), { timeout: 10_000 });
    expect(shared).toEqual([]);
    expect(connector.maxInFlight).toBe(4);
    for (const key of keys.filter((k) => k !== '-')) {
      const arrivalOrder = arrived.filter((e) => orderKey(e) === orderKey(about('x', key))).map((e) => e.id);
      expect(delivered.get(orderKey(about('x', key))!)).toEqual(arrivalOrder);
    }
  });

  it('takes no more than concurrency + 1 batches of entries while one finding holds the rest back', async () => {
    const outbox = new MemoryOutbox(Array.from({ length: 40 }, (_, i) => about(`e${i + 1}`, 'f1')));
    const gate = gated();
    const connector = new ScriptedConnector([gate.step, deliverAll]);
    startWorker({ connector, outbox, batch: { ...TEST_BATCH, maxEvents: 5 }, delivery: { ...TEST_DELIVERY, concurrency: 2 } });

    await vi.waitFor(() => expect(outbox.inFlight).toBe(15));
    await delay(50);
    expect(outbox.inFlight).toBe(15);
    expect(connector.calls).toHaveLength(1);

    gate.open();
    await vi.waitFor(() => expect(outbox.acked).toHaveLength(40));
    expect(outbox.acked).toEqual(Array.from({ length: 40 }, (_, i) => `e${i + 1}`));
    expect(connector.maxInFlight).toBe(1);
  });
});
