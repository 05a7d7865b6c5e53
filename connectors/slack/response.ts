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
 * How one webhook POST fared. Success is 200 with the body `ok`, nothing else: a 200 with any
 * other body came from something that is not Slack (a catch-all proxy, a captive portal) and
 * will not improve by resending. Otherwise the shared reading applies: 429 (with Retry-After),
 * 408 and 5xx are retried; the named 4xx errors (`invalid_payload`, `action_prohibited`,
 * `channel_not_found`, `no_service`, `channel_is_archived`…) fail at once.
 */
export function classifySlackAnswer(answer: HttpAnswer): DeliveryOutcome {
  const body = answer.body.trim();
  const response = answer.body.slice(0, MAX_RESPONSE_CHARS) || undefined;
  if (answer.status >= 200 && answer.status < 300) {
    if (body === 'ok') return { status: 'delivered' };
    const said = body === '' ? 'an empty body' : JSON.stringify(truncate(body, MAX_REASON_BODY));
    return { status: 'failed', reason: `Slack ${answer.status} without "ok": ${said}`, ...(response && { response }) };
  }
  const shared = classifyHttpStatus(answer.status, answer.retryAfter, response);
  return shared.status === 'delivered' ? shared : { ...shared, reason: describeSlackAnswer(answer) };
}

/** `Slack 404: no_service`, with Slack's error name when the body is one. */
export function describeSlackAnswer(answer: HttpAnswer): string {
  const body = answer.body.trim();
  return ERROR_NAME.test(body) ? `Slack ${answer.status}: ${body}` : `Slack ${answer.status}`;
}
