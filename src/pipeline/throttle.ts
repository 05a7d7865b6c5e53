import type { ConnectorState } from '../../connectors/types.js';
import type { RouteConfig } from '../config/rules.js';
import type { Envelope } from './envelope.js';
import type { RouteVerdict } from './router.js';

/**
 * A route's `dedupe`: a key is delivered once per window. The window is a key in the store
 * (set if absent, with the window as its TTL), so it holds across restarts and replicas.
 */
export class Dedupe {
  constructor(
    private readonly state: ConnectorState,
    private readonly baseUrl: string,
  ) {}

  /**
   * True when this event opens the window for its key, or already holds it: the key's value
   * is the event id, so an event replayed after a crash between this call and the ingest is
   * still delivered. An empty key (the template's fields are missing) is never held back.
   */
  async admit(route: RouteConfig, envelope: Envelope): Promise<boolean> {
    if (!route.dedupe) return true;
    const key = route.dedupe.key.render(envelope, this.baseUrl);
    if (key === '') return true;
    const name = `dedupe:${route.name}:${key}`;
    return (await this.state.setIfAbsent(name, envelope.id, route.dedupe.windowMs)) || (await this.state.get(name)) === envelope.id;
  }

  /** The matched routes whose dedupe holds `envelope` back, asking the store route by route, in order. */
  async refused(verdicts: readonly RouteVerdict[], envelope: Envelope): Promise<Set<RouteConfig>> {
    const refused = new Set<RouteConfig>();
    for (const { route, status } of verdicts) {
      if (status === 'matched' && route.dedupe && !(await this.admit(route, envelope))) refused.add(route);
    }
    return refused;
  }
}
