import type { DeliveryOutcome } from '../types.js';
import { classifyHttpStatus } from '../../src/delivery/classify.js';
import type { HttpAnswer } from '../../src/delivery/http-client.js';
import { truncate } from './text.js';

/** Enough of a peer's answer to diagnose it, not enough to bloat the dead-letter store. */
const MAX_RESPONSE_CHARS = 1_000;
/** How much of an unexpected answer goes into the reason. */
const MAX_REASON_BODY = 200;

/** Slack answers errors in plain text with a name such as `no_service`; proxies answer pages. */
const ERROR_NAME = /^[a-z][a-z0-9_]{0,99}$/;

/**
 * Errors that refuse the webhook itself, whatever the message: revoked or mistyped, its app or
 * workspace disabled, its channel gone or closed to it. Every message would fail alike until
 * the webhook URL is replaced.
 */
const WEBHOOK_REFUSED = new Set([
  'invalid_token',
  'no_service',
  'no_service_id',
  'no_team',
  'team_disabled',
  'action_prohibited',
  'channel_not_found',
  'channel_is_archived',
  'posting_to_general_channel_denied',
]);

/**
 * How one webhook POST fared. Success is 200 with the body `ok`, nothing else: a 200 with any
 * other body came from something that is not Slack (a catch-all proxy, a captive portal) and
 * will not improve by resending. An error that refuses the webhook (WEBHOOK_REFUSED, or any
 * 401/403) is `unauthorized`: the connector pauses, its events kept. Otherwise the shared
 * reading applies: 429 (with Retry-After), 408 and 5xx are retried; the other 4xx errors
 * (`invalid_payload`, `no_text`…) are about the message and fail at once.
 */
export function classifySlackAnswer(answer: HttpAnswer): DeliveryOutcome {
  const body = answer.body.trim();
  const response = answer.body.slice(0, MAX_RESPONSE_CHARS) || undefined;
  if (answer.status >= 200 && answer.status < 300) {
    if (body === 'ok') return { status: 'delivered' };
    const said = body === '' ? 'an empty body' : JSON.stringify(truncate(body, MAX_REASON_BODY));
    return { status: 'failed', reason: `Slack ${answer.status} without "ok": ${said}`, ...(response && { response }) };
  }
  if (WEBHOOK_REFUSED.has(body)) return { status: 'unauthorized', reason: describeSlackAnswer(answer), ...(response && { response }) };
  const shared = classifyHttpStatus(answer.status, answer.retryAfter, response);
  return shared.status === 'delivered' ? shared : { ...shared, reason: describeSlackAnswer(answer) };
}

/** `Slack 404: no_service`, with Slack's error name when the body is one. */
export function describeSlackAnswer(answer: HttpAnswer): string {
  const body = answer.body.trim();
  return ERROR_NAME.test(body) ? `Slack ${answer.status}: ${body}` : `Slack ${answer.status}`;
}
