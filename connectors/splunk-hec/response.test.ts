import { describe, expect, it } from 'vitest';
import { classifyHecAnswer, parseHecReply } from './response.js';

const answer = (status: number, body: object | string, retryAfter: string | null = null) => ({
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  retryAfter,
});

describe('HEC answer classification', () => {
  it.each([
    [200, { text: 'Success', code: 0 }],
    [200, { text: 'Server is nearing capacity', code: 24 }],
    [200, ''],
  ])('%i %j: delivered', (status, body) => {
    expect(classifyHecAnswer(answer(status, body), 2)).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
  });

  it.each([
    [503, { text: 'Server is busy', code: 9 }, 'HEC 503 code 9: Server is busy'],
    [503, { text: 'Server is shutting down', code: 23 }, 'HEC 503 code 23: Server is shutting down'],
    [429, { text: 'Too many requests', code: 26 }, 'HEC 429 code 26: Too many requests'],
    [500, { text: 'Internal server error', code: 8 }, 'HEC 500 code 8: Internal server error'],
    [502, '<html>Bad Gateway</html>', 'HEC 502'],
    [504, '', 'HEC 504'],
    [404, { text: 'The requested URL was not found on this server.', code: 404 }, 'HEC 404 code 404: The requested URL was not found on this server.'],
  ])('%i %j: retry', (status, body, reason) => {
    const [outcome] = classifyHecAnswer(answer(status, body, '7'), 1);
    expect(outcome).toMatchObject({ status: 'retry', reason, retryAfterMs: 7_000 });
  });

  it.each([
    [401, { text: 'Token is required', code: 2 }, 'HEC 401 code 2: Token is required'],
    [401, { text: 'Invalid authorization', code: 3 }, 'HEC 401 code 3: Invalid authorization'],
    [403, { text: 'Invalid token', code: 4 }, 'HEC 403 code 4: Invalid token'],
    [403, { text: 'Token disabled', code: 1 }, 'HEC 403 code 1: Token disabled'],
  ])('%i %j: the token refused, for every event (the connector pauses, the events are kept)', (status, body, reason) => {
    const outcomes = classifyHecAnswer(answer(status, body), 3);
    expect(outcomes).toHaveLength(3);
    for (const o of outcomes) expect(o).toMatchObject({ status: 'unauthorized', reason });
  });

  it.each([
    [400, { text: 'Incorrect index', code: 7 }, 'HEC 400 code 7: Incorrect index'],
    [400, { text: 'Invalid data format', code: 6 }, 'HEC 400 code 6: Invalid data format'], // no event number: the whole body
    [413, 'Content too large', 'HEC 413'],
  ])('%i %j: failed for every event, with HEC text and code', (status, body, reason) => {
    const outcomes = classifyHecAnswer(answer(status, body), 3);
    expect(outcomes).toHaveLength(3);
    for (const o of outcomes) expect(o).toMatchObject({ status: 'failed', reason });
  });

  it('400 with invalid-event-number: before delivered, N failed, after retried', () => {
    const body = { text: 'Invalid data format', code: 6, 'invalid-event-number': 2 };
    const outcomes = classifyHecAnswer(answer(400, body), 5);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered', 'failed', 'retry', 'retry']);
    expect(outcomes[2]).toEqual({
      status: 'failed',
      reason: 'HEC 400 code 6: Invalid data format (event 2 of the request)',
      response: JSON.stringify(body),
    });
  });

  it('an invalid-event-number outside the request fails it whole', () => {
    const outcomes = classifyHecAnswer(answer(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 9 }), 2);
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
  });

  it('reads HEC replies defensively', () => {
    expect(parseHecReply('{"text":"x","code":"6","invalid-event-number":1.5}')).toEqual({ text: 'x' });
    expect(parseHecReply('null')).toEqual({});
    expect(parseHecReply('<html>')).toEqual({});
  });
});
