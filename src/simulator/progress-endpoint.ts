import { HttpError } from './http-util.js';
import { initialState } from './progress-events.js';
import type { ProgressHub } from './progress-hub.js';
import type { Handler } from './router.js';
import type { ScanEngine } from './scan-engine.js';
import { isFinished } from './scan-types.js';
import type { StreamGate } from './stream-gate.js';

export interface ProgressEndpointOptions {
  readonly gate: StreamGate;
  readonly engine: ScanEngine;
  readonly hub: ProgressHub;
}

/**
 * `GET /api/scans/{id}/progress/stream` (doc 003): the key, then the scan (404 when unknown: no
 * connection is used), then a connection from the tier's budget. No `retry:` is sent: the doc
 * shows none, and a finished scan's stream is not meant to be reopened.
 */
export function createProgressEndpoint({ gate, engine, hub }: ProgressEndpointOptions): Handler {
  return (req, res, url, { id }) => {
    if (!gate.authorize(req, res, url)) return;
    const scan = engine.find(id!);
    if (scan === undefined) throw new HttpError(404, 'not_found', `Scan ${id} not found.`);
    if (!gate.open(res, 'progress')) return;
    hub.attach(scan.id, res, initialState(scan), isFinished(scan.status));
  };
}
