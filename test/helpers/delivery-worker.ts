import { onTestFinished } from 'vitest';
import type { BatchOptions, DeliveryOptions } from '../../src/delivery/options.js';
import { DeliveryWorker, type DeliveryWorkerOptions } from '../../src/delivery/worker.js';

/** Real time plus skipped sleeps: retry waits return at once, yet `now()` moves on as if they had passed. */
export function skipClock() {
  let skipped = 0;
  const delays: number[] = [];
  return {
    delays,
    now: () => Date.now() + skipped,
    sleep: async (ms: number, signal: AbortSignal) => {
      signal.throwIfAborted();
      delays.push(ms);
      skipped += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

export const TEST_BATCH: BatchOptions = { maxEvents: 10, maxBytes: 1_000_000, maxDelayMs: 0 };
export const TEST_DELIVERY: DeliveryOptions = {
  retry: { initialDelayMs: 100, maxDelayMs: 1_000, maxDurationMs: 3_600_000 },
  concurrency: 1,
  timeoutMs: 5_000,
};

type Options = Partial<DeliveryWorkerOptions> & Pick<DeliveryWorkerOptions, 'connector' | 'outbox'>;

/** A started worker with small test defaults, stopped when the test ends. */
export function startWorker(options: Options): DeliveryWorker {
  const worker = new DeliveryWorker({
    connectorName: 'test',
    batch: TEST_BATCH,
    delivery: TEST_DELIVERY,
    ...options,
  });
  worker.start();
  onTestFinished(() => worker.stop(0));
  return worker;
}
