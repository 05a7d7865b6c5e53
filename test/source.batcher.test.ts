import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/source/batcher.js';
import { ReadBudget } from '../src/source/read-budget.js';

/** A call the test settles by hand. */
function gate(): { promise: Promise<void>; open(): void; fail(error: Error): void } {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { promise, open, fail };
}

/** Items are strings weighing their length. */
function budgeted(budget: ReadBudget, consume: (batch: string[]) => Promise<void>, maxBatch = Infinity): Batcher<string> {
  return new Batcher<string>(consume, () => {}, 1_000, maxBatch, { budget, weigh: (item) => item.length });
}

async function settled(promise: Promise<void> | undefined): Promise<boolean> {
  let done = false;
  void promise?.then(() => (done = true));
  await nextTurn();
  await nextTurn();
  return promise === undefined || done;
}

describe('Batcher', () => {
  it('hands at most maxBatch items per call, in order, and lets the producer go on once below maxQueued', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number>(
      async (batch) => {
        batches.push(batch);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      (error) => {
        throw error;
      },
      2_000,
      1_000,
    );
    for (let i = 0; i < 2_500; i++) batcher.push(i);
    const room = batcher.whenRoom();
    expect(room).toBeDefined();
    await room;
    await batcher.drain();
    expect(batches.map((b) => b.length)).toEqual([1_000, 1_000, 500]);
    expect(batches.flat()).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
  });
});

describe('Batcher with a shared read budget', () => {
  it('makes every producer wait while the budget is spent, until the call holding it settles', async () => {
    const budget = new ReadBudget(100);
    const call = gate();
    const busy = budgeted(budget, () => call.promise);
    const idle = budgeted(budget, async () => {});
    busy.push('x'.repeat(60));
    busy.push('y'.repeat(60));
    await nextTurn(); // both are in the call now, and still count

    expect(budget.usedBytes).toBe(120);
    const room = idle.whenRoom();
    expect(room).toBeDefined();
    expect(await settled(room)).toBe(false);

    call.open();
    expect(await settled(room)).toBe(true);
    expect(budget.usedBytes).toBe(0);
    expect(idle.whenRoom()).toBeUndefined();
  });

  it('gives back what it drops when closed, and what the call in flight held once it settles', async () => {
    const budget = new ReadBudget(1_000);
    const call = gate();
    const batcher = budgeted(budget, () => call.promise, 1);
    for (const item of ['aaaa', 'bb', 'c']) batcher.push(item);
    await nextTurn();

    const closed = batcher.close();
    expect(budget.usedBytes).toBe(4);
    call.open();
    await closed;
    expect(budget.usedBytes).toBe(0);
  });

  it('gives back the failed batch and what it drops after a failed call', async () => {
    const budget = new ReadBudget(1_000);
    let failures = 0;
    const batcher = new Batcher<string>(
      async () => {
        throw new Error('store down');
      },
      () => (failures += 1),
      1_000,
      1,
      { budget, weigh: (item) => item.length },
    );
    for (const item of ['aaaa', 'bb', 'c']) batcher.push(item);
    await batcher.drain();

    expect(failures).toBe(1);
    expect(budget.usedBytes).toBe(0);
  });

  it('lets a waiting producer go when it is closed, even with the budget still spent', async () => {
    const budget = new ReadBudget(10);
    budget.take(10);
    const batcher = budgeted(budget, async () => {});
    const room = batcher.whenRoom();
    expect(room).toBeDefined();

    await batcher.close();
    expect(await settled(room)).toBe(true);
  });
});
