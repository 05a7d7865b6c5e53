import type { Logger } from '../observability/logger.js';

export interface FailureMessages {
  readonly failing: string;
  readonly recovered: string;
}

/**
 * Logs the edges of an outage rather than every retry: one warn when things start failing,
 * one info when they work again. Shared by all of a worker's batches, so a destination that
 * is down for an hour costs two log lines, not thousands.
 */
export class FailureLog {
  #since: number | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly messages: FailureMessages,
    private readonly now: () => number,
  ) {}

  failing(reason: string, retryInMs: number): void {
    if (this.#since !== undefined) return;
    this.#since = this.now();
    this.logger.warn({ reason, retryInMs }, this.messages.failing);
  }

  recovered(): void {
    if (this.#since === undefined) return;
    this.logger.info({ failedForMs: this.now() - this.#since }, this.messages.recovered);
    this.#since = undefined;
  }
}
