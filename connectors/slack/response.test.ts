import { describe, expect, it } from 'vitest';
import { classifySlackAnswer } from './response.js';

const answer = (status: number, body: string, retryAfter: string | null = null) => ({ status, body, retryAfter });

describe('Slack answer classification', () => {
  it.each(['ok', 'ok\n'])('200 %j: delivered', (body) => {
    expect(classifySlackAnswer(answer(200, body))).toEqual({ status: 'delivered' });
  });

  it('429 with Retry-After: retry after that many seconds', () => {
    expect(classifySlackAnswer(answer(429, 'rate_limited', '2'))).toEqual({
      status: 'retry',
      reason: 'Slack 429: rate_limited',
      retryAfterMs: 2_000,
      response: 'rate_limited',
    });
  });

  it.each([
    [500, 'rollup_error', 'Slack 500: rollup_error'],
    [503, '<html>Service Unavailable</html>', 'Slack 503'],
    [502, '', 'Slack 502'],
    [408, '', 'Slack 408'],
  ])('%i %j: retry', (status, body, reason) => {
    expect(classifySlackAnswer(answer(status, body))).toMatchObject({ status: 'retry', reason });
  });

  it.each([
    [400, 'invalid_payload'],
    [400, 'invalid_blocks'],
    [400, 'no_text'],
  ])('%i %s: failed at once, with the error name (the message is at fault)', (status, name) => {
    expect(classifySlackAnswer(answer(status, name))).toEqual({ status: 'failed', reason: `Slack ${status}: ${name}`, response: name });
  });

  it.each([
    [403, 'invalid_token'],
    [403, 'action_prohibited'],
    [404, 'channel_not_found'],
    [404, 'no_service'],
    [404, 'no_team'],
    [410, 'channel_is_archived'],
    [401, '<html>Unauthorized</html>'],
  ])('%i %s: the webhook refused, whatever the message: unauthorized', (status, body) => {
    expect(classifySlackAnswer(answer(status, body))).toMatchObject({ status: 'unauthorized', reason: expect.stringMatching(new RegExp(`^Slack ${status}`)), response: body });
  });

  it('a 200 without "ok" did not come from Slack: failed, with the body cut', () => {
    const body = `<html>${'x'.repeat(5_000)}</html>`;
    const outcome = classifySlackAnswer(answer(200, body));
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^Slack 200 without "ok": "<html>x+…"$/) });
    expect(outcome.status === 'failed' && outcome.reason.length).toBeLessThan(250);
    expect(outcome.status === 'failed' && outcome.response).toHaveLength(1_000);
    expect(classifySlackAnswer(answer(200, ''))).toEqual({ status: 'failed', reason: 'Slack 200 without "ok": an empty body' });
    expect(classifySlackAnswer(answer(204, ''))).toMatchObject({ status: 'failed' });
  });
});
