import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import {
  SseSubscription,
  type RawEvent,
  type SseSubscriptionOptions,
  type SubscriptionState,
} from '../../src/source/index.js';

/** What the server does with one connection. */
export interface ConnectionScript {
  /** Never answer (a connect/headers timeout). */
  readonly hang?: boolean;
  /** Default 200. */
  readonly status?: number;
  /** Default `content-type: text/event-stream`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Written in order, each as one write; `{ pauseMs }` waits between writes. */
  readonly frames?: readonly (string | { readonly pauseMs: number })[];
  /** After the frames: `end` closes cleanly, `drop` destroys the socket, `stall` (default) stays open and silent. */
  readonly then?: 'end' | 'drop' | 'stall';
}

export interface RecordedRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Date.now() when it arrived. */
  readonly at: number;
}

export interface SseServer {
  /** `http://127.0.0.1:PORT`, or https when started with `tls` */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Resolves once `count` requests have arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export type Script = (index: number, request: IncomingMessage) => ConnectionScript;

/** A loopback SSE server on port 0 that plays `script(n)` to its n-th request (from 0); https with `tls`. */
export async function startSseServer(script: Script, tls?: { key: string; cert: string }): Promise<SseServer> {
  const requests: RecordedRequest[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ url: req.url ?? '', headers: req.headers, at: Date.now() });
    void play(script(requests.length - 1, req), res);
  };
  const server = tls ? createTlsServer(tls, handle) : createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    waitForRequests: (count, timeoutMs = 10_000) =>
      until(() => requests.length >= count, timeoutMs, `${count} requests`),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function play(script: ConnectionScript, res: ServerResponse): Promise<void> {
  if (script.hang) return;
  res.writeHead(script.status ?? 200, script.headers ?? { 'content-type': 'text/event-stream' });
  res.flushHeaders();
  for (const frame of script.frames ?? []) {
    if (res.destroyed) return;
    if (typeof frame !== 'string') await delay(frame.pauseMs);
    // Respect the client's backpressure, as a real server would.
    else if (!res.write(frame)) await drainedOrClosed(res);
  }
  if (script.then === 'end') res.end();
  else if (script.then === 'drop') res.destroy();
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** One SSE event as the server writes it. */
export function frame(e: { id?: string; event?: string; data?: string; retry?: number }): string {
  const lines = [
    ...(e.retry !== undefined ? [`retry: ${e.retry}`] : []),
    ...(e.id !== undefined ? [`id: ${e.id}`] : []),
    ...(e.event !== undefined ? [`event: ${e.event}`] : []),
    ...(e.data !== undefined ? e.data.split('\n').map((line) => `data: ${line}`) : []),
  ];
  return `${lines.join('\n')}\n\n`;
}

/** Polls `condition` every 10 ms; rejects with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/** A subscription recording what it hands over, with a checkpoint that advances only when delivery succeeds. */
export interface Subscriber {
  readonly subscription: SseSubscription;
  readonly events: RawEvent[];
  readonly batches: RawEvent[][];
  readonly states: SubscriptionState[];
  /** What resumeFrom() answers: the id of the last event delivered. */
  checkpoint: string | undefined;
  stop(): Promise<void>;
}

export interface SubscriberOptions extends Partial<Omit<SseSubscriptionOptions, 'resumeFrom' | 'onEvents' | 'onState'>> {
  /** The checkpoint before anything is delivered. */
  readonly checkpoint?: string;
  /** Runs before a batch is recorded; if it rejects, the batch is not delivered. */
  readonly deliver?: (batch: RawEvent[]) => Promise<void>;
}

/** Starts a subscription to `server` with short test delays; `options` override the defaults. */
export function subscribe(server: SseServer, options: SubscriberOptions = {}): Subscriber {
  const { checkpoint, deliver, ...overrides } = options;
  const subscriber: Subscriber = {
    events: [],
    batches: [],
    states: [],
    checkpoint,
    subscription: new SseSubscription({
      name: 'test',
      baseUrl: server.baseUrl,
      apiKey: 'test-api-key-0123',
      auth: 'header',
      heartbeatTimeoutMs: 10_000,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      ...overrides,
      resumeFrom: async () => subscriber.checkpoint,
      onEvents: async (batch) => {
        await deliver?.(batch);
        subscriber.batches.push(batch);
        subscriber.events.push(...batch);
        subscriber.checkpoint = batch.findLast((e) => e.id !== undefined)?.id ?? subscriber.checkpoint;
      },
      onState: (state) => subscriber.states.push(state),
    }),
    stop: () => subscriber.subscription.stop(),
  };
  subscriber.subscription.start();
  return subscriber;
}

/**
 * A debug-level logger whose lines are kept in `lines`. Plain pino, not createLogger: its masking
 * would hide a secret the code under test let slip.
 */
export function captureLogs(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}
