import { afterEach, describe, expect, it } from 'vitest';
import {
  captureLogs,
  frame,
  startSseServer,
  subscribe,
  until,
  type SseServer,
  type Subscriber,
} from './helpers/sse-server.js';

const API_KEY = 'sk-live-9f8e7d6c5b4a3210';

let server: SseServer | undefined;
let subscriber: Subscriber | undefined;
afterEach(async () => {
  await subscriber?.stop();
  await server?.close();
});

describe('the API key', () => {
  it('sent as ?token=, never appears in a log line or state, whatever goes wrong', async () => {
    const scripts = [
      { status: 500, then: 'end' as const },
      { frames: [frame({ id: 'e1', data: '{}' }), { pauseMs: 50 }], then: 'drop' as const },
      { headers: { 'content-type': 'text/plain' }, then: 'end' as const },
      { status: 401, then: 'end' as const },
    ];
    server = await startSseServer((n) => scripts[n] ?? scripts[3]!);
    const { logger, lines } = captureLogs();
    subscriber = subscribe(server, { apiKey: API_KEY, auth: 'query', events: ['finding.new'], logger });

    await until(() => subscriber!.subscription.state.state === 'stopped');
    expect(new URL(server.requests[0]!.url, server.baseUrl).searchParams.get('token')).toBe(API_KEY);
    expect(server.requests[0]!.headers).not.toHaveProperty('authorization');
    expect(lines.some((l) => l.includes('/api/events/stream'))).toBe(true);
    for (const text of [...lines, ...subscriber.states.map((s) => JSON.stringify(s))]) {
      expect(text).not.toContain(API_KEY);
    }
  });

  it('sent as a bearer token, stays out of the URL', async () => {
    server = await startSseServer(() => ({ frames: [frame({ id: 'e1', data: '{}' })] }));
    const events = ['finding.new', 'scan.completed'];
    subscriber = subscribe(server, { apiKey: API_KEY, auth: 'header', events, assetId: 'a-1' });

    await until(() => subscriber!.events.length === 1);
    const { url, headers } = server.requests[0]!;
    expect(headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(url).not.toContain(API_KEY);
    const params = new URL(url, server.baseUrl).searchParams;
    expect(params.get('events')).toBe('finding.new,scan.completed');
    expect(params.get('asset_id')).toBe('a-1');
  });
});
