import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { formatHealth, type Health } from '../observability/health.js';
import { BadRequest, TEXT, type OpsAnswer, type OpsHandler, type OpsRequest } from '../observability/http-server.js';
import { OperationError, type Operations } from './operations.js';

export interface OpsApiOptions {
  readonly registry: Registry;
  liveness(): Promise<Health>;
  readiness(): Promise<Health>;
  /** The `/status` document (JSON), for `s4e-bridge status`. */
  status(): Promise<unknown>;
  readonly operations: Operations;
  /** `server.token`; without one, what needs it is refused over TCP (the local socket still works). */
  readonly token: string | undefined;
}

/** Most dead letters one listing returns. */
const MAX_LIST = 10_000;

const selection = z.strictObject({ connectors: z.array(z.string().min(1)).min(1).optional(), refs: z.array(z.string().min(1)).min(1).optional() });
const acknowledgement = z.strictObject({ subscriptions: z.array(z.string().min(1)).min(1).optional() });

/**
 * The operations endpoint's routes. Reading the bridge's state is open (`/healthz`, `/readyz`,
 * `/metrics`, `/status`, `/gaps`: no secret and no event data in them); what changes state, or
 * shows events (dead letters carry their data), needs `server.token` as a Bearer token, unless
 * it comes through the local socket. GET never changes anything.
 */
export function opsApi(o: OpsApiOptions): OpsHandler {
  const json = (value: unknown): OpsAnswer => ({ status: 200, type: 'application/json', body: `${JSON.stringify(value)}\n` });
  const routes: Record<string, { method: 'GET' | 'POST'; guarded: boolean; answer(req: OpsRequest): Promise<OpsAnswer> }> = {
    '/healthz': { method: 'GET', guarded: false, answer: async (req) => health(await o.liveness(), 'ok', req) },
    '/readyz': { method: 'GET', guarded: false, answer: async (req) => health(await o.readiness(), 'ready', req) },
    '/metrics': { method: 'GET', guarded: false, answer: async () => ({ status: 200, type: o.registry.contentType, body: await o.registry.metrics() }) },
    '/status': { method: 'GET', guarded: false, answer: async () => json(await o.status()) },
    '/gaps': { method: 'GET', guarded: false, answer: async () => json({ gaps: await o.operations.gaps() }) },
    '/dlq': {
      method: 'GET',
      guarded: true,
      answer: async (req) => {
        const limit = Math.min(Number(req.query.get('limit') ?? 50), MAX_LIST);
        if (!Number.isInteger(limit) || limit < 1) throw new BadRequest(400, 'limit: a whole number from 1');
        const connectors = req.query.getAll('connector');
        return json(await o.operations.listDeadLetters(connectors.length > 0 ? connectors : undefined, limit));
      },
    },
    '/dlq/replay': { method: 'POST', guarded: true, answer: async (req) => json({ replayed: await o.operations.replayDeadLetters(parse(selection, req.body)) }) },
    '/dlq/drop': { method: 'POST', guarded: true, answer: async (req) => json({ dropped: await o.operations.dropDeadLetters(parse(selection, req.body)) }) },
    '/gaps/ack': { method: 'POST', guarded: true, answer: async (req) => json({ acknowledged: await o.operations.acknowledgeGaps(parse(acknowledgement, req.body).subscriptions) }) },
  };
  return async (req) => {
    const route = routes[req.path];
    if (!route) return text(404, `not found: try ${Object.keys(routes).join(', ')}`);
    const allowed = route.method === 'GET' ? ['GET', 'HEAD'] : ['POST'];
    if (!allowed.includes(req.method)) return { ...text(405, `${req.path} answers ${allowed.join(' and ')} only`), headers: { allow: allowed.join(', ') } };
    if (route.guarded) {
      const refused = authorize(req, o.token);
      if (refused) return refused;
    }
    try {
      return await route.answer(req);
    } catch (error) {
      throw error instanceof OperationError ? new BadRequest(400, error.message) : error;
    }
  };
}

function health(h: Health, word: string, req: OpsRequest): OpsAnswer {
  return { status: h.ok ? 200 : 503, type: TEXT, body: formatHealth(h, word, req.query.has('verbose')) };
}

function text(status: number, body: string): OpsAnswer {
  return { status, type: TEXT, body: `${body}\n` };
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new BadRequest(400, `bad request body: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function authorize(req: OpsRequest, token: string | undefined): OpsAnswer | undefined {
  if (req.local) return undefined;
  if (token === undefined) {
    return text(403, `${req.path} needs server.token, which this bridge has none of: set it in the config (a secret) and restart, or run the command on the bridge's host, where it uses the local socket`);
  }
  const given = /^Bearer (\S+)$/.exec(req.authorization ?? '')?.[1];
  if (given !== undefined && sameSecret(given, token)) return undefined;
  return { ...text(401, `${req.path} needs the operations token (server.token) as "Authorization: Bearer …"`), headers: { 'www-authenticate': 'Bearer realm="s4e-bridge"' } };
}

/** Compared in constant time, through digests so that lengths need not match. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
