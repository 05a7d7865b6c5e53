import type { RouteConfig } from '../config/schema.js';
import type { Envelope } from './envelope.js';
import { compileGlobs } from './glob.js';
import { severityRank } from './severity.js';

/** Keepalives are not findings: only a route that names `heartbeat` exactly receives them. */
const HEARTBEAT = 'heartbeat';

interface CompiledRoute {
  readonly name: string;
  readonly types: RegExp;
  readonly heartbeat: boolean;
  readonly minRank?: number;
  readonly to: readonly string[];
}

/** Decides, for each envelope, which connectors must receive it. Routes fan out. */
export class Router {
  readonly #routes: readonly CompiledRoute[];

  constructor(routes: readonly RouteConfig[]) {
    this.#routes = routes.map((r) => ({
      name: r.name,
      types: compileGlobs(r.match.events),
      heartbeat: r.match.events.includes(HEARTBEAT),
      minRank: severityRank(r.match.minSeverity),
      to: r.to,
    }));
  }

  /** The routes that match, in config order. */
  matches(envelope: Envelope): string[] {
    return this.#routes.filter((r) => this.#matches(r, envelope)).map((r) => r.name);
  }

  /** The connectors named by every matching route, each once. */
  connectorsFor(envelope: Envelope): string[] {
    const targets = new Set<string>();
    for (const route of this.#routes) if (this.#matches(route, envelope)) for (const t of route.to) targets.add(t);
    return [...targets];
  }

  #matches(route: CompiledRoute, envelope: Envelope): boolean {
    if (envelope.type === HEARTBEAT ? !route.heartbeat : !route.types.test(envelope.type)) return false;
    if (route.minRank === undefined) return true;
    const rank = severityRank(envelope.severity);
    return rank !== undefined && rank >= route.minRank;
  }
}
