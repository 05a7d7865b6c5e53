import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAuthorized, sendUnauthorized } from './auth.js';
import type { ConnectionBudget, ConnectionKind } from './connection-budget.js';
import { sendJson } from './http-util.js';

export interface StreamRejections {
  unauthorized: number;
  tooMany: number;
}

/** Seconds a client over the connection limit is told to wait. */
const RETRY_AFTER_SECONDS = '5';

/** What every SSE endpoint checks before streaming: the key, then the tier's connection limit. */
export class StreamGate {
  constructor(
    private readonly apiKeys: ReadonlySet<string>,
    private readonly budget: ConnectionBudget,
    private readonly rejected: StreamRejections,
  ) {}

  /** False after answering 401. */
  authorize(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    if (isAuthorized(req, url, this.apiKeys)) return true;
    this.rejected.unauthorized += 1;
    sendUnauthorized(res);
    return false;
  }

  /** Counts the connection and answers 200 as an event stream; false after answering 429. */
  open(res: ServerResponse, kind: ConnectionKind): boolean {
    if (!this.budget.admit(res, kind)) {
      this.rejected.tooMany += 1;
      sendJson(res, 429, { error: 'too_many_connections' }, { 'retry-after': RETRY_AFTER_SECONDS });
      return false;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    return true;
  }
}
