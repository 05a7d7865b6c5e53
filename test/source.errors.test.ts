import { afterEach, describe, expect, it } from 'vitest';
import { describeNetworkError } from '../src/source/errors.js';
import type { SubscriptionState } from '../src/source/index.js';
import { frame, startSseServer, subscribe, until, type SseServer, type Subscriber } from './helpers/sse-server.js';
import { freePort } from './helpers/redis-server.js';

const API_KEY = 'test-api-key-0123';

let server: SseServer | undefined;
let subscriber: Subscriber | undefined;
afterEach(async () => {
  await subscriber?.stop();
  await server?.close();
  subscriber = server = undefined;
});

const reconnectReasons = (states: readonly SubscriptionState[]) => states.flatMap((s) => (s.state === 'reconnecting' ? [s.reason] : []));

describe('why a subscription reconnects, as the operator reads it', () => {
  it('a 404 from the stream URL names the URL, token masked, and what to check', async () => {
    server = await startSseServer(() => ({ status: 404, headers: { 'content-type': 'text/plain' }, then: 'end' }));
    subscriber = subscribe(server, { auth: 'query', notFound: 'no event stream at this URL; check source.base_url' });

    await until(() => reconnectReasons(subscriber!.states).length >= 1);
    const [reason] = reconnectReasons(subscriber.states);
    expect(reason).toBe(`HTTP 404 from ${server.baseUrl}/api/events/stream?token=[REDACTED]: no event stream at this URL; check source.base_url`);
    expect(reason).not.toContain(API_KEY);
  });

  it('a refused connection names the address and the URL, token masked, and suspects source.base_url', async () => {
    const port = await freePort();
    subscriber = subscribe({ baseUrl: `http://127.0.0.1:${port}` } as SseServer, { auth: 'query' });

    await until(() => reconnectReasons(subscriber!.states).length >= 1);
    expect(reconnectReasons(subscriber.states)[0]).toBe(
      `connection failed: ECONNREFUSED 127.0.0.1:${port} (http://127.0.0.1:${port}/api/events/stream?token=[REDACTED]): is the platform up, and source.base_url right?`,
    );
  });

  it('a host that does not resolve is named', async () => {
    subscriber = subscribe({ baseUrl: 'http://no-such-host.invalid' } as SseServer);

    await until(() => reconnectReasons(subscriber!.states).length >= 1);
    expect(reconnectReasons(subscriber.states)[0]).toMatch(/^connection failed: (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid \(http:\/\/no-such-host\.invalid\/api\/events\/stream\): is the platform up/);
  });

  it('a stream cut mid-way says what the socket said, without JavaScript error names', async () => {
    server = await startSseServer((n) => (n === 0 ? { frames: [frame({ id: 'e1', data: '{}' }), { pauseMs: 30 }], then: 'drop' } : { frames: [] }));
    subscriber = subscribe(server);

    await until(() => reconnectReasons(subscriber!.states).length >= 1);
    const [reason] = reconnectReasons(subscriber.states);
    expect(reason).toMatch(/^connection failed: /);
    expect(reason).not.toMatch(/TypeError|fetch failed|terminated/);
  });
});

describe('describeNetworkError', () => {
  it('takes the system code and peer from the innermost cause', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:8088'), { code: 'ECONNREFUSED', syscall: 'connect', address: '10.0.0.7', port: 8088 });
    expect(describeNetworkError(new TypeError('fetch failed', { cause }))).toBe('ECONNREFUSED 10.0.0.7:8088');
  });

  it('keeps a message that explains itself, with its code', () => {
    const cause = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(describeNetworkError(new TypeError('fetch failed', { cause }))).toBe('self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
  });

  it('lists each address of a happy-eyeballs attempt once', () => {
    const refused = (address: string) => Object.assign(new Error('refused'), { code: 'ECONNREFUSED', syscall: 'connect', address, port: 80 });
    const cause = new AggregateError([refused('::1'), refused('127.0.0.1')]);
    expect(describeNetworkError(new TypeError('fetch failed', { cause }))).toBe('ECONNREFUSED ::1:80, ECONNREFUSED 127.0.0.1:80');
  });
});
