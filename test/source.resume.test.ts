import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { frame, startSseServer, subscribe, until, type SseServer, type Subscriber } from './helpers/sse-server.js';

/** The platform's replay buffer: ten events, served from after the request's Last-Event-ID. */
const LOG = Array.from({ length: 10 }, (_, i) => ({ id: `e${i + 1}`, event: 'finding.new', data: `{"n":${i + 1}}` }));
const ALL_IDS = LOG.map((e) => e.id);

function replayAfter(req: IncomingMessage): string[] {
  const from = LOG.findIndex((e) => e.id === req.headers['last-event-id']);
  return LOG.slice(from + 1).map(frame);
}

let server: SseServer | undefined;
let subscriber: Subscriber | undefined;
afterEach(async () => {
  await subscriber?.stop();
  await server?.close();
});

describe('resuming from the durable checkpoint', () => {
  it('resumes after a mid-stream drop with Last-Event-ID: nothing lost, nothing repeated', async () => {
    server = await startSseServer((n, req) =>
      n === 0
        ? // Five events, then the connection dies halfway through the sixth.
          {
            frames: [...replayAfter(req).slice(0, 5), 'id: e6\nevent: finding.new\ndata: {"n":', { pauseMs: 200 }],
            then: 'drop',
          }
        : { frames: replayAfter(req) },
    );
    subscriber = subscribe(server, { checkpoint: 'e0' });

    await until(() => subscriber!.events.length >= 10);
    expect(subscriber.events.map((e) => e.id)).toEqual(ALL_IDS);
    expect(server.requests.map((r) => r.headers['last-event-id'])).toEqual(['e0', 'e5']);
  });

  it('after onEvents rejects, reconnects from the checkpoint, not from the last event received', async () => {
    server = await startSseServer((_n, req) => ({ frames: replayAfter(req) }));
    let failures = 1;
    subscriber = subscribe(server, {
      checkpoint: 'e2',
      deliver: async () => {
        if (failures-- > 0) throw new Error('store unavailable');
      },
    });

    await until(() => subscriber!.events.length >= 8);
    // The first connection received e3…e10 but none was delivered: the second asks for them again.
    expect(server.requests.map((r) => r.headers['last-event-id'])).toEqual(['e2', 'e2']);
    expect(subscriber.events.map((e) => e.id)).toEqual(ALL_IDS.slice(2));
    expect(subscriber.states).toContainEqual(
      expect.objectContaining({ state: 'reconnecting', reason: 'onEvents failed: store unavailable' }),
    );
  });

  it('sends no Last-Event-ID when there is no checkpoint yet', async () => {
    server = await startSseServer((_n, req) => ({ frames: replayAfter(req) }));
    subscriber = subscribe(server);

    await until(() => subscriber!.events.length >= 10);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers).not.toHaveProperty('last-event-id');
  });
});
