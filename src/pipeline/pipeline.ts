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
    if (verdict.status !== 'matched' || route.drop || refused?.has(route)) continue;
    if (route.digest) digests.push(route.name);
    // A route names a few connectors: an array beats a Set here.
    else for (const connector of route.to) if (!connectors.includes(connector)) connectors.push(connector);
  }
  return { connectors, digests };
}
