import type { IncomingMessage } from 'node:http';
import type { FaultScript } from './fault-script.js';
import { HttpError, readJson, sendJson } from './http-util.js';
import { isRecord } from './json.js';
import type { ProgressHub } from './progress-hub.js';
import type { Params, Route } from './router.js';
import type { ScanEngine } from './scan-engine.js';
import { isFinished } from './scan-types.js';
import type { InjectedEvent, Simulator } from './types.js';

export interface AdminDeps {
  readonly simulator: Pick<Simulator, 'inject' | 'stats' | 'dropConnections' | 'startScan' | 'scans' | 'completeScan' | 'failScan' | 'setFindingStatus'>;
  readonly engine: ScanEngine;
  readonly progress: ProgressHub;
  readonly faults: FaultScript;
}

/**
 * `/_sim/*`, the control surface for tests and the demo. Unauthenticated: the simulator is a
 * loopback tool. Bad requests are 400 `{"error": "bad_request", "message": …}`.
 *
 * - `POST /_sim/events`: an InjectedEvent or an array of them → `{"ids": [...]}`
 * - `GET /_sim/stats`; `POST /_sim/drop` (every stream, progress streams too) → `{"dropped": n}`
 * - `POST /_sim/scans` `{asset_id?, scan_type?, priority?, findings?, duration_ms?, queue_ms?}` → 201 `{"scan_id"}`
 * - `GET /_sim/scans` → `{"scans": [...]}` (`Simulator.scans()`)
 * - `POST /_sim/scans/{id}/complete`, `POST /_sim/scans/{id}/fail` `{error?}` → `{"scan_id", "status"}`
 * - `POST /_sim/scans/{id}/lag` `{skip?: 1}`: the scan's open progress streams skip that many
 *   events and get the lag notification instead → `{"streams": n}`
 * - `POST /_sim/fail` `{path_prefix, status, count?: 1, retry_after?}`: the next `count` requests
 *   under the prefix answer `status` → `{"scripted": count}`
 * - `POST /_sim/findings/{id}/status` `{status}`: the finding (of a scan, or generated) moves to
 *   `status` and a `finding.status_changed` is published → `{"id": event id}`; 404 for an unknown finding
 */
export function adminRoutes({ simulator, engine, progress, faults }: AdminDeps): Route[] {
  const unfinished = ({ id }: Params): string => {
    const scan = engine.find(id!);
    if (scan === undefined) throw new HttpError(404, 'not_found', `Scan ${id} not found.`);
    if (isFinished(scan.status)) throw new HttpError(409, 'conflict', `Scan ${id} is already ${scan.status}.`);
    return scan.id;
  };
  const statusOf = (id: string) => ({ scan_id: id, status: engine.find(id)!.status });

  return [
    {
      method: 'POST',
      path: '/_sim/events',
      handle: async (req, res) => {
        const body = await readJsonBody(req);
        const events = (Array.isArray(body) ? body : [body]) as InjectedEvent[];
        sendJson(res, 200, { ids: badRequestOnRangeOrType(() => simulator.inject(events)) });
      },
    },
    { method: 'GET', path: '/_sim/stats', handle: (_req, res) => sendJson(res, 200, simulator.stats()) },
    {
      method: 'POST',
      path: '/_sim/drop',
      handle: (_req, res) => {
        const dropped = simulator.stats().connections;
        simulator.dropConnections();
        sendJson(res, 200, { dropped });
      },
    },
    {
      method: 'POST',
      path: '/_sim/scans',
      handle: async (req, res) => {
        const body = await readObject(req);
        const scanId = badRequestOnRangeOrType(() =>
          simulator.startScan({
            assetId: body.asset_id as string | undefined,
            scanType: body.scan_type as string | undefined,
            priority: body.priority as string | undefined,
            findings: body.findings as number | undefined,
            durationMs: body.duration_ms as number | undefined,
            queueMs: body.queue_ms as number | undefined,
          }),
        );
        sendJson(res, 201, { scan_id: scanId });
      },
    },
    { method: 'GET', path: '/_sim/scans', handle: (_req, res) => sendJson(res, 200, { scans: simulator.scans() }) },
    {
      method: 'POST',
      path: '/_sim/scans/:id/complete',
      handle: (_req, res, _url, params) => {
        const id = unfinished(params);
        simulator.completeScan(id);
        sendJson(res, 200, statusOf(id));
      },
    },
    {
      method: 'POST',
      path: '/_sim/scans/:id/fail',
      handle: async (req, res, _url, params) => {
        const id = unfinished(params);
        const { error } = await readObject(req);
        if (error !== undefined && typeof error !== 'string') throw badRequest('error must be a string');
        simulator.failScan(id, error);
        sendJson(res, 200, statusOf(id));
      },
    },
    {
      method: 'POST',
      path: '/_sim/scans/:id/lag',
      handle: async (req, res, _url, { id }) => {
        if (engine.find(id!) === undefined) throw new HttpError(404, 'not_found', `Scan ${id} not found.`);
        const skip = integerField(await readObject(req), 'skip', { min: 1, fallback: 1 });
        sendJson(res, 200, { streams: progress.lag(id!, skip) });
      },
    },
    {
      method: 'POST',
      path: '/_sim/findings/:id/status',
      handle: async (req, res, _url, { id }) => {
        const { status } = await readObject(req);
        if (typeof status !== 'string' || status === '') throw badRequest('status must be a non-empty string');
        try {
          sendJson(res, 200, { id: simulator.setFindingStatus(id!, status) });
        } catch (error) {
          if (error instanceof RangeError) throw new HttpError(404, 'not_found', `Finding ${id} not found.`);
          throw error;
        }
      },
    },
    {
      method: 'POST',
      path: '/_sim/fail',
      handle: async (req, res) => {
        const body = await readObject(req);
        const pathPrefix = body.path_prefix;
        if (typeof pathPrefix !== 'string' || !pathPrefix.startsWith('/')) throw badRequest('path_prefix must be a path starting with /');
        const status = integerField(body, 'status', { min: 400, max: 599 });
        const count = integerField(body, 'count', { min: 1, fallback: 1 });
        const retryAfter = body.retry_after === undefined ? undefined : integerField(body, 'retry_after', { min: 0 });
        faults.add({ pathPrefix, status, count, ...(retryAfter === undefined ? {} : { retryAfter }) });
        sendJson(res, 200, { scripted: count });
      },
    },
  ];
}

function badRequest(message: string): HttpError {
  return new HttpError(400, 'bad_request', message);
}

/** Runs `action`, answering 400 for the RangeError or TypeError it throws on invalid input. */
function badRequestOnRangeOrType<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) throw badRequest(error.message);
    throw error;
  }
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  try {
    return await readJson(req);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

/** The body as a JSON object; an empty body is `{}`. */
async function readObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = (await readJsonBody(req)) ?? {};
  if (!isRecord(body)) throw badRequest('the body must be a JSON object');
  return body;
}

/** An integer field in [min, max]; `fallback` when absent (required when there is none). */
function integerField(
  body: Record<string, unknown>,
  name: string,
  { min, max = Infinity, fallback }: { min: number; max?: number; fallback?: number },
): number {
  const value = body[name] ?? fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw badRequest(`${name} must be an integer from ${min}${max === Infinity ? '' : ` to ${max}`}`);
  }
  return value as number;
}
