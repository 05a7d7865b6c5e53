import { readBody, type RouteHandler, sendJson } from './http-util.js';
import type { InjectedEvent, Simulator } from './types.js';

/**
 * `/_sim/*`, the control surface for tests and the demo: `POST /_sim/events` (an InjectedEvent or
 * an array of them → `{"ids": [...]}`), `GET /_sim/stats`, `POST /_sim/drop`. Unauthenticated: the
 * simulator is a loopback tool.
 */
export function createAdminEndpoint(simulator: Pick<Simulator, 'inject' | 'stats' | 'dropConnections'>): RouteHandler {
  return async (req, res, url) => {
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'POST /_sim/events': {
        try {
          const body: unknown = JSON.parse(await readBody(req));
          const events = (Array.isArray(body) ? body : [body]) as InjectedEvent[];
          sendJson(res, 200, { ids: simulator.inject(events) });
        } catch (error) {
          sendJson(res, 400, { error: (error as Error).message });
        }
        return;
      }
      case 'GET /_sim/stats':
        sendJson(res, 200, simulator.stats());
        return;
      case 'POST /_sim/drop': {
        const dropped = simulator.stats().connections;
        simulator.dropConnections();
        sendJson(res, 200, { dropped });
        return;
      }
      default:
        sendJson(res, 404, { error: 'not_found' });
    }
  };
}
