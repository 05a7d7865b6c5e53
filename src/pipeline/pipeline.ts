import type { RouteConfig, SeverityDefaultConfig, SeverityRuleConfig } from '../config/rules.js';
import type { Envelope } from './envelope.js';
import { Router, type RouteVerdict } from './router.js';
import { SeverityPolicy } from './severity-rules.js';
import { eventView } from './view.js';

/** The config's rules, compiled: what the pipeline needs, and all that a reload swaps. */
export interface RulesConfig {
  readonly severityDefaults: readonly SeverityDefaultConfig[];
  readonly severityRules: readonly SeverityRuleConfig[];
  readonly routes: readonly RouteConfig[];
}

export interface Evaluation {
  /** The event with its severity after defaults and rules. */
  readonly envelope: Envelope;
  /** Every route's verdict, in config order. */
  readonly verdicts: readonly RouteVerdict[];
}

/** Where an event goes once its routes' throttles had their say. */
export interface Targets {
  /** Connectors whose outbox takes it now. */
  readonly connectors: string[];
  /** Digest routes whose buffer holds it. */
  readonly digests: string[];
}

/** Severity, then routes: pure, so `run`, `test-route` and `test` see the same. */
export class Pipeline {
  /** Whether a route has a dedupe: only then does routing an event need the store (Dedupe.refused). */
  readonly dedupes: boolean;
  readonly #severity: SeverityPolicy;
  readonly #router: Router;

  constructor(readonly rules: RulesConfig) {
    this.dedupes = rules.routes.some((route) => route.dedupe !== undefined);
    this.#severity = new SeverityPolicy(rules.severityDefaults, rules.severityRules);
    this.#router = new Router(rules.routes);
  }

  evaluate(decoded: Envelope, now: number): Evaluation {
    const envelope = this.#severity.apply(decoded);
    return { envelope, verdicts: this.#router.evaluate(eventView(envelope), now) };
  }
}

/**
 * The targets of an evaluated event: each matched delivering route, unless its dedupe held
 * the event back (`refused`, from Dedupe.refused), sends it to its connectors, each once, or
 * into its digest. Synchronous: most configs have no dedupe, and the hot path awaits nothing then.
 */
export function targetsOf(evaluation: Evaluation, refused?: ReadonlySet<RouteConfig>): Targets {
  const connectors: string[] = [];
  const digests: string[] = [];
  for (const verdict of evaluation.verdicts) {
    const { route } = verdict;
    if (!delivers(verdict, refused)) continue;
    if (route.digest) digests.push(route.name);
    // A route names a few connectors: an array beats a Set here.
    else for (const connector of route.to) if (!connectors.includes(connector)) connectors.push(connector);
  }
  return { connectors, digests };
}

/** The connectors the event goes to as it is (digests aside), each with the routes that send it there: what its finding remembers. */
export function deliveredBy(evaluation: Evaluation, refused?: ReadonlySet<RouteConfig>): Record<string, string[]> {
  const delivered: Record<string, string[]> = {};
  for (const verdict of evaluation.verdicts) {
    if (!delivers(verdict, refused) || verdict.route.digest) continue;
    // Own properties only: a connector may be named `constructor`.
    for (const connector of verdict.route.to) (Object.hasOwn(delivered, connector) ? delivered[connector]! : (delivered[connector] = [])).push(verdict.route.name);
  }
  return delivered;
}

/** A matched route that delivers, unless its dedupe held the event back. */
function delivers(verdict: RouteVerdict, refused: ReadonlySet<RouteConfig> | undefined): boolean {
  return verdict.status === 'matched' && !verdict.route.drop && !refused?.has(verdict.route);
}
