import type { Connector, DeliveryOutcome } from '../types.js';
import type { Envelope } from '../../src/pipeline/envelope.js';
import type { Redactor } from '../../src/observability/redact.js';
import { networkFailure } from '../../src/delivery/classify.js';
import type { HttpAnswer, HttpClient } from '../../src/delivery/http-client.js';
import { classifySlackAnswer, describeSlackAnswer } from './response.js';

export interface SlackConnectorParts {
  readonly http: HttpClient;
  /** The incoming webhook URL (a secret). */
  readonly webhookUrl: string;
  /** One event as the JSON message to post. */
  readonly encode: (envelope: Envelope) => string;
  /** Masks the webhook URL and its tokens in every reason and response that leaves the connector. */
  readonly redact: Redactor;
}

/** Slack refuses an empty message with this, having checked the webhook, and posts nothing. */
const EMPTY_MESSAGE_ERRORS = new Set(['no_text', 'missing_text']);

/** Posts each event of a batch as one message to a Slack incoming webhook, in order. */
export class SlackConnector implements Connector {
  constructor(private readonly parts: SlackConnectorParts) {}

  async deliver(batch: readonly Envelope[], signal: AbortSignal): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = [];
    let holdBack: DeliveryOutcome | undefined;
    for (const envelope of batch) {
      // Once a message must be retried (rate limited, Slack down, the webhook refused), the
      // rest waits with it: posting on while limited is what gets a webhook's app disabled.
      const outcome = holdBack ?? (await this.#post(this.parts.encode(envelope), signal));
      outcomes.push(outcome);
      if ((outcome.status === 'retry' || outcome.status === 'unauthorized') && !holdBack) {
        holdBack = { ...outcome, reason: `not sent: an earlier message of the batch got ${outcome.reason}` };
      }
    }
    return outcomes.map((o) => this.#redacted(o));
  }

  /**
   * Posts an empty message: a live webhook answers 400 `no_text` and posts nothing; a revoked
   * or mistyped one answers otherwise (404 `no_service`, 403 `invalid_token`…). Slack offers no
   * other way to check a webhook.
   */
  async healthcheck(signal: AbortSignal): Promise<void> {
    let answer: HttpAnswer;
    try {
      answer = await this.#send('{}', signal);
    } catch (error) {
      const e = error as { code?: string; message?: string };
      throw new Error(this.parts.redact(`Slack webhook check failed: ${e.code ?? e.message}`), { cause: error });
    }
    const live = answer.status === 400 && EMPTY_MESSAGE_ERRORS.has(answer.body.trim());
    if (!live) throw new Error(this.parts.redact(`Slack webhook check failed: ${describeSlackAnswer(answer)}`));
  }

  close(): Promise<void> {
    return this.parts.http.close();
  }

  async #post(body: string, signal: AbortSignal): Promise<DeliveryOutcome> {
    try {
      const answer = await this.#send(body, signal);
      // Masked before it is cut to size: a secret cut in two would escape masking.
      return classifySlackAnswer({ ...answer, body: this.parts.redact(answer.body) });
    } catch (error) {
      return networkFailure(error);
    }
  }

  #send(body: string, signal: AbortSignal): Promise<HttpAnswer> {
    const headers = { 'content-type': 'application/json; charset=utf-8' };
    return this.parts.http.send({ method: 'POST', url: this.parts.webhookUrl, headers, body }, signal);
  }

  #redacted(outcome: DeliveryOutcome): DeliveryOutcome {
    if (outcome.status === 'delivered') return outcome;
    const { redact } = this.parts;
    return { ...outcome, reason: redact(outcome.reason), ...(outcome.response !== undefined && { response: redact(outcome.response) }) };
  }
}
