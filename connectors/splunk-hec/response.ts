import type { DeliveryOutcome } from '../types.js';
import { classifyHttpStatus, parseRetryAfter } from '../../src/delivery/classify.js';
import type { HttpAnswer } from '../../src/delivery/http-client.js';

/** What came back from one HEC request. */
export type HecAnswer = HttpAnswer;

/** HEC's JSON answer, e.g. `{"text":"Invalid data format","code":6,"invalid-event-number":2}`. */
export interface HecReply {
  readonly text?: string;
  readonly code?: number;
  /** Index, in the request, of the event HEC stopped at. */
  readonly invalidEventNumber?: number;
}

/** 200 codes 24/25: accepted, but the indexers are nearing capacity. */
export const NEARING_CAPACITY_CODES: ReadonlySet<number> = new Set([24, 25]);

/** Enough of a peer's answer to diagnose it, not enough to bloat the dead-letter store. */
const MAX_RESPONSE_CHARS = 1_000;

const DELIVERED: DeliveryOutcome = { status: 'delivered' };

export function parseHecReply(body: string): HecReply {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return {}; // a proxy's HTML page, an empty body…
  }
  if (typeof value !== 'object' || value === null) return {};
  const { text, code, 'invalid-event-number': invalid } = value as Record<string, unknown>;
  return {
    ...(typeof text === 'string' && { text }),
    ...(typeof code === 'number' && { code }),
    ...(Number.isInteger(invalid) && { invalidEventNumber: invalid as number }),
  };
}

/** `HEC 503 code 9: Server is busy`, HEC's own words when it gave any. */
export function describeHecAnswer(status: number, reply: HecReply): string {
  const code = reply.code !== undefined ? ` code ${reply.code}` : '';
  const text = reply.text ? `: ${reply.text}` : '';
  return `HEC ${status}${code}${text}`;
}

/**
 * One outcome per event of a request of `count` events. The shared HTTP reading applies, with
 * HEC's quirks: a 400 naming an `invalid-event-number` N accepted the events before N, rejects N
 * and never looked at the rest; 404 is how an indexer in detention answers, so it is retried.
 */
export function classifyHecAnswer(answer: HecAnswer, count: number): DeliveryOutcome[] {
  const reply = parseHecReply(answer.body);
  const reason = describeHecAnswer(answer.status, reply);
  const response = answer.body.slice(0, MAX_RESPONSE_CHARS) || undefined;
  const at = reply.invalidEventNumber;
  if (answer.status === 400 && at !== undefined && at >= 0 && at < count) {
    const rejected: DeliveryOutcome = { status: 'failed', reason: `${reason} (event ${at} of the request)`, ...(response && { response }) };
    const unread: DeliveryOutcome = { status: 'retry', reason: `not read: HEC stopped at event ${at} of the request` };
    return Array.from({ length: count }, (_, i) => (i < at ? DELIVERED : i === at ? rejected : unread));
  }
  return new Array<DeliveryOutcome>(count).fill(classifyWhole(answer, reason, response));
}

function classifyWhole(answer: HecAnswer, reason: string, response: string | undefined): DeliveryOutcome {
  if (answer.status === 404) {
    const retryAfterMs = parseRetryAfter(answer.retryAfter);
    return { status: 'retry', reason, ...(retryAfterMs !== undefined && { retryAfterMs }), ...(response && { response }) };
  }
  const shared = classifyHttpStatus(answer.status, answer.retryAfter, response);
  return shared.status === 'delivered' ? DELIVERED : { ...shared, reason };
}
