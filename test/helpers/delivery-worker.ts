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

/**
 * Real time plus skipped short waits (backoff); waits of `holdMs / 2` or more (an open circuit)
 * are held until `pass()` lets `holdMs` pass, so a test sees the circuit open for as long as it likes.
 */
export function heldClock(holdMs: number) {
  let skipped = 0;
  const held = new Set<{ ms: number; resolve: () => void }>();
  return {
    now: () => Date.now() + skipped,
    held: () => held.size,
    sleep: (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        signal.throwIfAborted();
        if (ms < holdMs / 2) {
          skipped += ms;
          setImmediate(resolve);
          return;
        }
        const wait = { ms, resolve: () => (held.delete(wait), resolve()) };
        held.add(wait);
        signal.addEventListener('abort', () => (held.delete(wait), reject(signal.reason)), { once: true });
      }),
    pass: () => {
      skipped += holdMs;
      for (const wait of [...held]) wait.resolve();
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
