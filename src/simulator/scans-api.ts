import { SEVERITIES } from '../pipeline/severity.js';
import { choiceParam, choicesParam, instantParam, invalid, paginate } from './api-query.js';
import { isAuthorized, sendUnauthorized } from './auth.js';
import { SCAN_TYPES } from './catalogue.js';
import { HttpError, readJson, sendJson } from './http-util.js';
import { isRecord } from './json.js';
import type { FixedWindowLimit } from './rate-limit.js';
import type { Handler, Params, Route } from './router.js';
import type { ScanEngine } from './scan-engine.js';
import { createdScan, findingResult, scanDetails, scanStatus } from './scan-resources.js';
import { isFinished, SCAN_STATUSES, type Scan } from './scan-types.js';

export interface ScansApiOptions {
  readonly apiKeys: ReadonlySet<string>;
  readonly engine: ScanEngine;
  /** The request rate limit; undefined: none. */
  readonly limit: FixedWindowLimit | undefined;
  /** Answers sent, by HTTP status, for `stats().apiRequests`. */
  readonly answers: Map<number, number>;
  /** Fields the document does not list, too (SimulatorOptions.assumedFields). */
  readonly assumedFields: boolean;
}

/**
 * The Scans REST API (doc 004) under `/api`, with the SDK's error model (doc 002): 401 without a
 * valid key, 429 with `Retry-After` over the request rate limit, 404 for an unknown scan, 422 for
 * bad parameters or body. The rate limit counts authenticated requests across all keys (assumed:
 * the keys are one tenant's, and the platform limits the tenant).
 */
export function scansApiRoutes({ apiKeys, engine, limit, answers, assumedFields }: ScansApiOptions): Route[] {
  const guard =
    (handle: Handler): Handler =>
    (req, res, url, params) => {
      res.once('finish', () => answers.set(res.statusCode, (answers.get(res.statusCode) ?? 0) + 1));
      if (!isAuthorized(req, url, apiKeys)) return sendUnauthorized(res);
      const wait = limit?.take(Date.now());
      if (wait !== undefined) throw new HttpError(429, 'rate_limited', 'Too many requests.', { 'retry-after': String(wait) });
      return handle(req, res, url, params);
    };
  const scanOf = ({ id }: Params): Scan => {
    const scan = engine.find(id!);
    if (scan === undefined) throw new HttpError(404, 'not_found', `Scan ${id} not found.`);
    return scan;
  };

  const routes: Route[] = [
    { method: 'POST', path: '/api/scan/create', handle: async (req, res) => sendJson(res, 201, { data: createdScan(await create(req)) }) },
    { method: 'GET', path: '/api/scans', handle: (_req, res, url) => sendJson(res, 200, list(engine.list(), url.searchParams, assumedFields)) },
    { method: 'GET', path: '/api/scan/:id', handle: (_req, res, _url, params) => sendJson(res, 200, { data: scanDetails(scanOf(params), assumedFields) }) },
    {
      method: 'GET',
      path: '/api/scan/:id/status',
      handle: (_req, res, _url, params) => sendJson(res, 200, { data: scanStatus(scanOf(params), Date.now()) }),
    },
    {
      method: 'POST',
      path: '/api/scan/:id/cancel',
      handle: (_req, res, _url, params) => {
        const scan = scanOf(params);
        // The doc cancels "a queued or running scan"; assumed: cancelling a finished one is a conflict.
        if (isFinished(scan.status)) throw new HttpError(409, 'conflict', `Scan ${scan.id} is already ${scan.status}.`);
        engine.cancel(scan.id);
        sendJson(res, 200, { data: { scan_id: scan.id, status: scan.status, message: 'Scan cancelled by user.' } });
      },
    },
    {
      method: 'GET',
      path: '/api/scan/:id/results',
      handle: (_req, res, url, params) => sendJson(res, 200, results(scanOf(params), url.searchParams, assumedFields)),
    },
  ];
  return routes.map((route) => ({ ...route, handle: guard(route.handle) }));

  async function create(req: Parameters<Handler>[0]): Promise<Scan> {
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      throw invalid('the body must be a JSON object');
    }
    if (!isRecord(body)) throw invalid('the body must be a JSON object');
    for (const field of ['asset_id', 'scan_type']) if (body[field] === undefined) throw invalid(`${field} is required`);
    // `options` and `callback_url` are accepted and ignored: simulated scans run alike and call no webhook.
    try {
      return engine.start({
        assetId: body.asset_id as string,
        scanType: body.scan_type as string,
        priority: body.priority as string | undefined,
      });
    } catch (error) {
      if (error instanceof RangeError) throw invalid(error.message);
      throw error;
    }
  }
}

/**
 * `GET /api/scans`, newest first. The doc does not say which time `from`/`to` bound. Assumed: a
 * finished scan's completion time, else its creation time, both bounds inclusive; so "scans
 * completed since T" is `status=completed&from=T`, which is what a backfill asks.
 */
function list(scans: readonly Scan[], params: URLSearchParams, assumed: boolean) {
  const status = choiceParam(params, 'status', ['all', ...SCAN_STATUSES]);
  const scanType = choiceParam(params, 'scan_type', SCAN_TYPES);
  const assetId = params.get('asset_id') || undefined;
  const from = instantParam(params, 'from') ?? -Infinity;
  const to = instantParam(params, 'to') ?? Infinity;
  const matching = scans.filter((scan) => {
    const at = Date.parse(scan.completedAt ?? scan.createdAt);
    return (
      (status === undefined || status === 'all' || scan.status === status) &&
      (scanType === undefined || scan.scanType === scanType) &&
      (assetId === undefined || scan.assetId === assetId) &&
      at >= from &&
      at <= to
    );
  });
  return paginate(matching.reverse().map((scan) => scanDetails(scan, assumed)), params);
}

/** `GET /api/scan/{id}/results`: findings so far (partial while running or after a cancel), in discovery order. */
function results(scan: Scan, params: URLSearchParams, assumed: boolean) {
  const severities = choicesParam(params, 'severity', SEVERITIES);
  const findings = severities === undefined ? scan.findings : scan.findings.filter((finding) => severities.has(finding.severity));
  return paginate(findings.map((finding) => findingResult(finding, assumed)), params);
}
