import type { Logger } from 'pino';
import type { Connector, DeliveryOutcome } from '../types.js';
import type { Envelope } from '../../src/pipeline/envelope.js';
import type { Redactor } from '../../src/observability/redact.js';
import { networkFailure } from '../../src/delivery/classify.js';
import type { HecClient } from './client.js';
import { packBodies, type HecEncoder } from './encoder.js';
import { classifyHecAnswer, describeHecAnswer, NEARING_CAPACITY_CODES, parseHecReply, type HecAnswer } from './response.js';

export interface HecConnectorParts {
  readonly client: HecClient;
  readonly encode: HecEncoder;
  /** Most bytes in one request body (before gzip). */
  readonly maxBytes: number;
  readonly logger: Logger;
  /** Masks the token in every reason and response that leaves the connector. */
  readonly redact: Redactor;
}

/** Delivers batches to HEC, one request per `maxBytes` of encoded events, and says how each event fared. */
export class HecConnector implements Connector {
  /** Whether HEC last said it is nearing capacity, so the warning is logged once per episode. */
  #nearingCapacity = false;

  constructor(private readonly parts: HecConnectorParts) {}

  async deliver(batch: readonly Envelope[], signal: AbortSignal): Promise<DeliveryOutcome[]> {
    const { encode, maxBytes } = this.parts;
    const outcomes: DeliveryOutcome[] = [];
    let holdBack: DeliveryOutcome | undefined;
    for (const { body, count } of packBodies(batch.map(encode), maxBytes)) {
      // Once a request must be retried, the rest of the batch waits with it: HEC is busy,
      // unreachable or refusing the token, and resending in batch order keeps the events in order.
      const results = holdBack ? new Array<DeliveryOutcome>(count).fill(holdBack) : await this.#send(body, count, signal);
      outcomes.push(...results);
      const retry = results.find((o) => o.status === 'retry' || o.status === 'unauthorized');
      if (retry && !holdBack) holdBack = { ...retry, reason: `not sent: an earlier request of the batch got ${retry.reason}` };
    }
    return outcomes.map((o) => this.#redacted(o));
  }

  async healthcheck(signal: AbortSignal): Promise<void> {
    let answer: HecAnswer;
    try {
      answer = await this.parts.client.health(signal);
    } catch (error) {
      throw new Error(this.parts.redact(`HEC health check failed: ${(error as Error).message}`), { cause: error });
    }
    if (answer.status !== 200) {
      throw new Error(this.parts.redact(`HEC health check failed: ${describeHecAnswer(answer.status, parseHecReply(answer.body))}`));
    }
  }

  /** The event object as it would be posted to `/services/collector/event`. */
  preview(envelope: Envelope): unknown {
    return JSON.parse(this.parts.encode(envelope));
  }

  close(): Promise<void> {
    return this.parts.client.close();
  }

  async #send(body: string, count: number, signal: AbortSignal): Promise<DeliveryOutcome[]> {
    let answer: HecAnswer;
    try {
      answer = await this.parts.client.send(body, signal);
    } catch (error) {
      return new Array<DeliveryOutcome>(count).fill(networkFailure(error));
    }
    if (answer.status >= 200 && answer.status < 300) this.#noteCapacity(answer);
    // Masked before it is cut to size: a secret cut in two would escape masking.
    return classifyHecAnswer({ ...answer, body: this.parts.redact(answer.body) }, count);
  }

  #noteCapacity(answer: HecAnswer): void {
    const reply = parseHecReply(answer.body);
    const nearing = reply.code !== undefined && NEARING_CAPACITY_CODES.has(reply.code);
    if (nearing && !this.#nearingCapacity) {
      const hec = { code: reply.code, text: reply.text && this.parts.redact(reply.text) };
      this.parts.logger.warn({ hec }, 'HEC is nearing capacity: events are accepted, but it asks to slow down');
    } else if (!nearing && this.#nearingCapacity) {
      this.parts.logger.info('HEC is no longer nearing capacity');
    }
    this.#nearingCapacity = nearing;
  }

  #redacted(outcome: DeliveryOutcome): DeliveryOutcome {
    if (outcome.status === 'delivered') return outcome;
    const { redact } = this.parts;
    return { ...outcome, reason: redact(outcome.reason), ...(outcome.response !== undefined && { response: redact(outcome.response) }) };
  }
}
