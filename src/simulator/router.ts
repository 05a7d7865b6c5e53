import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendError, sendJson } from './http-util.js';

export type Params = Readonly<Record<string, string>>;

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, params: Params) => void | Promise<void>;

export interface Route {
  readonly method: string;
  /** Literal segments and `:name` parameters, e.g. `/api/scan/:id/status`. */
  readonly path: string;
  readonly handle: Handler;
}

/**
 * Dispatches by method and path: an unknown path is a 404, a known path with another method a 405
 * with `Allow`. A thrown HttpError is answered as such, anything else as a 500.
 */
export function createRouter(routes: readonly Route[]): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const compiled = routes.map((route) => ({ route, segments: route.path.split('/') }));
  return async (req, res, url) => {
    const found = compiled.flatMap(({ route, segments }) => {
      const params = match(segments, url.pathname);
      return params === undefined ? [] : [{ route, params }];
    });
    const chosen = found.find(({ route }) => route.method === req.method);
    if (chosen === undefined) {
      if (found.length === 0) sendJson(res, 404, { error: 'not_found' });
      else sendJson(res, 405, { error: 'method_not_allowed' }, { allow: found.map(({ route }) => route.method).join(', ') });
      return;
    }
    try {
      await chosen.route.handle(req, res, url, chosen.params);
    } catch (error) {
      if (res.headersSent) res.destroy();
      else if (error instanceof HttpError) sendError(res, error);
      else sendJson(res, 500, { error: 'internal_error', message: (error as Error).message });
    }
  };
}

function match(segments: readonly string[], pathname: string): Params | undefined {
  const parts = pathname.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    const part = parts[i]!;
    if (!segment.startsWith(':')) {
      if (part !== segment) return undefined;
      continue;
    }
    if (part === '') return undefined;
    try {
      params[segment.slice(1)] = decodeURIComponent(part);
    } catch {
      return undefined;
    }
  }
  return params;
}
