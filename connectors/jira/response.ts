import type { DeliveryOutcome } from '../types.js';
import { classifyHttpStatus, networkFailure } from '../../src/delivery/classify.js';

/** What came back from one Jira request. */
export interface JiraAnswer {
  readonly status: number;
  readonly body: string;
  readonly retryAfter: string | null;
}

type Failure = Exclude<DeliveryOutcome, { status: 'delivered' }>;

/** Enough of a peer's answer to diagnose it, not enough to bloat the dead-letter store. */
const MAX_RESPONSE_CHARS = 1_000;

/**
 * A request that did not succeed, already classified. `status` is absent when no answer came
 * (refused, reset, timed out): the request may or may not have been carried out.
 */
export class JiraError extends Error {
  constructor(
    readonly outcome: Failure,
    readonly status?: number,
  ) {
    super(outcome.reason);
    this.name = 'JiraError';
  }

  /** A non-2xx answer to the request `step` (e.g. `create issue`). */
  static fromAnswer(step: string, answer: JiraAnswer): JiraError {
    const response = answer.body.slice(0, MAX_RESPONSE_CHARS) || undefined;
    // Never 'delivered': only non-2xx answers get here.
    const shared = classifyHttpStatus(answer.status, answer.retryAfter, response) as Failure;
    return new JiraError({ ...shared, reason: `${step}: ${describeJiraAnswer(answer)}` }, answer.status);
  }

  static fromNetwork(step: string, error: unknown): JiraError {
    const { reason } = networkFailure(error) as Failure;
    return new JiraError({ status: 'retry', reason: `${step}: ${reason}` });
  }
}

/**
 * `Jira 400: Issue type is required.; priority: Specify a valid 'id' or 'name' for Priority`:
 * the status and Jira's own words from `{"errorMessages":[…],"errors":{"field":"msg"}}`.
 */
export function describeJiraAnswer(answer: Pick<JiraAnswer, 'status' | 'body'>): string {
  const messages = jiraMessages(answer.body);
  return `Jira ${answer.status}${messages.length > 0 ? `: ${messages.join('; ')}` : ''}`;
}

function jiraMessages(body: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return []; // a proxy's HTML page, an empty body…
  }
  if (typeof value !== 'object' || value === null) return [];
  const { errorMessages, errors } = value as Record<string, unknown>;
  const general = Array.isArray(errorMessages) ? errorMessages.filter((m): m is string => typeof m === 'string') : [];
  const byField =
    typeof errors === 'object' && errors !== null
      ? Object.entries(errors).flatMap(([name, message]) => (typeof message === 'string' ? [`${name}: ${message}`] : []))
      : [];
  return [...general, ...byField];
}
