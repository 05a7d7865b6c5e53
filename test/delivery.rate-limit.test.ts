import { describe, expect, it, vi } from 'vitest';
import { RateLimiter } from '../src/delivery/rate-limit.js';
import { TEST_BATCH, TEST_DELIVERY, startWorker } from './helpers/delivery-worker.js';
import { MemoryOutbox, envelopes } from './helpers/memory-outbox.js';
import { ScriptedConnector, deliverAll, retryAll, type Step } from './helpers/scripted-connector.js';

/**
 * Virtual time for concurrent sleepers: once the event loop has nothing else to do, the sleep
 * due first ends and `now` moves to its deadline, so each sleeper wakes exactly when it asked.
 */
function virtualClock() {
  let now = Date.now();
  const timers: { at: number; resolve: () => void }[] = [];
  let scheduled = false;
  const fire = () => {
    scheduled = false;
    timers.sort((a, b) => a.at - b.at);
    const next = timers.shift();
    if (!next) return;
    now = Math.max(now, next.at);
    next.resolve();
    schedule();
  };
  const schedule = () => {
    if (scheduled || timers.length === 0) return;
    scheduled = true;
    setImmediate(fire);
  };
  return {
    now: () => now,
    sleep: (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        signal.throwIfAborted();
        const timer = { at: now + ms, resolve };
        timers.push(timer);
        const cancel = () => {
          if (timers.includes(timer)) timers.splice(timers.indexOf(timer), 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', cancel, { once: true });
        schedule();
      }),
  };
}

describe('delivery rate limit', () => {
  it('hands out start slots in the order asked, at most max in any window, at once after a quiet spell', async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter({ max: 2, perMs: 1_000 }, () => now, async (ms) => void waits.push(ms));
    const signal = new AbortController().signal;

    await Promise.all([1, 2, 3, 4, 5].map(() => limiter.acquire(signal)));
    // Slots at 0, 0, 1000, 1000, 2000.
    expect(waits).toEqual([1_000, 1_000, 2_000]);

    now = 2_500;
    await limiter.acquire(signal); // the window of the slot at 1000 is over
    await limiter.acquire(signal); // the slot at 2000 still counts until 3000
    expect(waits).toEqual([1_000, 1_000, 2_000, 500]);
  });

  it("spaces a connector's calls across concurrent batches, retries included", async () => {
    const clock = virtualClock();
    const calledAt: number[] = [];
    const timed =
      (step: Step): Step =>
      (batch, signal) => {
        calledAt.push(clock.now());
        return step(batch, signal);
      };
    const outbox = new MemoryOutbox(envelopes(4));
    const connector = new ScriptedConnector([timed(retryAll('HTTP 503')), timed(deliverAll)]);
    startWorker({
      connector,
      outbox,
      batch: { ...TEST_BATCH, maxEvents: 1 },
      delivery: { ...TEST_DELIVERY, concurrency: 4, rateLimit: { max: 1, perMs: 1_000 } },
      // No backoff: only the rate limit spaces the retry.
      random: () => 0,
      ...clock,
    });

    await vi.waitFor(() => expect(outbox.acked).toHaveLength(4));
    expect(connector.calls).toHaveLength(5);
    // One call a second: no sooner, and no later either.
    expect(calledAt.slice(1).map((at, i) => at - calledAt[i]!)).toEqual([1_000, 1_000, 1_000, 1_000]);
  });
});
