import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterEach } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/simulator/index.js';

/** A `startSimulator` whose simulators are closed after each test. */
export function simulatorPerTest(): (options?: SimulatorOptions) => Promise<Simulator> {
  const started: Simulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((simulator) => simulator.close()));
  });
  return async (options) => {
    const simulator = await startSimulator(options);
    started.push(simulator);
    return simulator;
  };
}

/** The stream URL with the default key and any query parameters. */
export function streamUrl(simulator: Simulator, params: Record<string, string> = {}): string {
  return `${simulator.url}/api/events/stream?${new URLSearchParams({ token: 'sim-key', ...params })}`;
}

/** A scan's progress stream URL, with the default key unless `params` replaces it. */
export function progressUrl(simulator: Simulator, scanId: string, params: Record<string, string> = { token: 'sim-key' }): string {
  return `${simulator.url}/api/scans/${encodeURIComponent(scanId)}/progress/stream?${new URLSearchParams(params)}`;
}

/** A test's view of one open SSE stream: every message, `retry:` and comment received so far. */
export interface SseConnection {
  readonly response: Response;
  readonly events: EventSourceMessage[];
  readonly retries: number[];
  readonly comments: string[];
  /** Resolves when `predicate` holds for the events so far; rejects after `timeoutMs`. */
  waitFor(predicate: (events: readonly EventSourceMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves once at least `count` events arrived. */
  waitForCount(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves when the stream is over, ended by either side. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens a stream; throws unless the server accepts it (refusals are tested with plain fetch). */
export async function connect(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  if (response.status !== 200) throw new Error(`stream refused: ${response.status} ${await response.text()}`);

  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const parser = createParser({
    onEvent: (event) => {
      events.push(event);
      for (const waiter of [...waiters]) waiter();
    },
    onRetry: (ms) => retries.push(ms),
    onComment: (comment) => {
      comments.push(comment);
      for (const waiter of [...waiters]) waiter();
    },
  });
  const ended = (async () => {
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        parser.feed(decoder.decode(chunk.value, { stream: true }));
      }
    } catch {
      // Aborted by the test or cut by the server: either way the stream is over.
    }
  })();

  const waitFor = (predicate: (events: readonly EventSourceMessage[]) => boolean, timeoutMs = 5_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(events)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms with ${events.length} events`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    response,
    events,
    retries,
    comments,
    waitFor,
    waitForCount: (count, timeoutMs) => waitFor((got) => got.length >= count, timeoutMs),
    ended,
    close: () => abort.abort(),
  };
}

/** Resolves after `ms`: lets a test check that nothing more arrives. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
