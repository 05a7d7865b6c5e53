import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/source/batcher.js';

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
