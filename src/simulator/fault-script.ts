import { STATUS_CODES, type ServerResponse } from 'node:http';
import { HttpError, sendError } from './http-util.js';

export interface ScriptedFailure {
  /** Requests whose path starts with this fail. */
  readonly pathPrefix: string;
  /** 400–599. */
  readonly status: number;
  /** How many requests fail. */
  readonly count: number;
  /** Seconds sent as `Retry-After` (for a scripted 429 or 503). */
  readonly retryAfter?: number;
}

/**
 * Failures scripted through `POST /_sim/fail`: the next `count` requests under a path prefix are
 * answered with the status, before authentication, as a gateway in front of the platform would.
 */
export class FaultScript {
  readonly #pending: { failure: ScriptedFailure; left: number }[] = [];

  add(failure: ScriptedFailure): void {
    this.#pending.push({ failure, left: failure.count });
  }

  /** Answers the request with the first scripted failure that matches; false when none does. */
  intercept(res: ServerResponse, path: string): boolean {
    const index = this.#pending.findIndex(({ failure }) => path.startsWith(failure.pathPrefix));
    if (index === -1) return false;
    const entry = this.#pending[index]!;
    if (--entry.left === 0) this.#pending.splice(index, 1);
    const { status, retryAfter } = entry.failure;
    const code = (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '_');
    sendError(res, new HttpError(status, code, 'Scripted failure.', retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }));
    return true;
  }
}
