import { describe, expect, it } from 'vitest';
import { describeJiraAnswer, JiraError } from './response.js';

const answer = (status: number, body: object | string, retryAfter: string | null = null) => ({
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  retryAfter,
});

describe('Jira answer classification', () => {
  it('400 with errorMessages and field errors: failed, with Jira’s words', () => {
    const body = { errorMessages: ['Issue type is required.'], errors: { priority: "Specify a valid 'id' or 'name' for Priority" } };
    const error = JiraError.fromAnswer('create issue', answer(400, body));
    expect(error.status).toBe(400);
    expect(error.outcome).toEqual({
      status: 'failed',
      reason: "create issue: Jira 400: Issue type is required.; priority: Specify a valid 'id' or 'name' for Priority",
      response: JSON.stringify(body),
    });
  });

  it.each([
    [429, '', '7', 7_000],
    [503, { errorMessages: ['Service unavailable'] }, '2', 2_000],
    [500, '<html>oops</html>', null, undefined],
    [502, '', null, undefined],
  ])('%i: retry, honouring Retry-After', (status, body, retryAfter, retryAfterMs) => {
    const { outcome } = JiraError.fromAnswer('search', answer(status, body, retryAfter));
    expect(outcome).toMatchObject({ status: 'retry', reason: expect.stringMatching(new RegExp(`^search: Jira ${status}`)) });
    expect(outcome.status === 'retry' ? outcome.retryAfterMs : 'not a retry').toBe(retryAfterMs);
  });

  it.each([401, 403])('%i: unauthorized (the credentials, not the event)', (status) => {
    expect(JiraError.fromAnswer('search', answer(status, { errorMessages: ['nope'] })).outcome).toMatchObject({
      status: 'unauthorized',
      reason: `search: Jira ${status}: nope`,
    });
  });

  it.each([404, 410])('%i: failed', (status) => {
    expect(JiraError.fromAnswer('search', answer(status, { errorMessages: ['nope'] })).outcome).toMatchObject({
      status: 'failed',
      reason: `search: Jira ${status}: nope`,
    });
  });

  it('a network error: retry, no status (the request may have been carried out)', () => {
    const error = JiraError.fromNetwork('create issue', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(error.status).toBeUndefined();
    expect(error.outcome).toEqual({ status: 'retry', reason: 'create issue: network: ECONNREFUSED' });
  });

  it('reads bodies defensively', () => {
    expect(describeJiraAnswer({ status: 400, body: 'null' })).toBe('Jira 400');
    expect(describeJiraAnswer({ status: 400, body: '{"errorMessages":"x","errors":{"a":1,"b":"msg"}}' })).toBe('Jira 400: b: msg');
  });
});
