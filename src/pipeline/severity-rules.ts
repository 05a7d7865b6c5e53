import type { SeverityDefaultConfig, SeverityRuleConfig } from '../config/rules.js';
import type { Envelope } from './envelope.js';
import { compileGlobs } from './glob.js';
import type { Matcher } from './regex.js';
import { severityRank, shiftSeverity } from './severity.js';
import { eventView } from './view.js';

/**
 * Gives each event its severity: its own, else the `severity_defaults` entry for its type;
 * then the `severity_rules` in order. Pure: the same event always comes out the same.
 */
export class SeverityPolicy {
  readonly #exact: ReadonlyMap<string, string>;
  readonly #globs: readonly { readonly match: Matcher; readonly severity: string }[];
  readonly #rules: readonly SeverityRuleConfig[];

  constructor(defaults: readonly SeverityDefaultConfig[], rules: readonly SeverityRuleConfig[]) {
    // An exact type wins over a glob, whatever their order in the table.
    const isGlob = (pattern: string) => /[*?]/.test(pattern);
    this.#exact = new Map(defaults.filter((d) => !isGlob(d.pattern)).map((d) => [d.pattern, d.severity]));
    this.#globs = defaults.filter((d) => isGlob(d.pattern)).map((d) => ({ match: compileGlobs([d.pattern]), severity: d.severity }));
    this.#rules = rules;
  }

  apply(envelope: Envelope): Envelope {
    const initial = envelope.severity ?? this.#default(envelope.type);
    // No rules: no view to build (this runs per event).
    if (this.#rules.length === 0) return initial === envelope.severity ? envelope : { ...envelope, severity: initial };
    const view = { ...eventView(envelope), severity: initial };
    const fired: string[] = [];
    for (const rule of this.#rules) {
      if (rule.when.test(view) !== undefined) continue;
      const next = this.#effect(rule.effect, view.severity);
      // raise and lower need a severity on the scale: without one, the rule does not apply.
      if (next === undefined) continue;
      view.severity = next;
      fired.push(rule.name);
      if (rule.final) break;
    }
    if (view.severity === envelope.severity) return fired.length > 0 ? { ...envelope, rulesFired: fired } : envelope;
    return {
      ...envelope,
      severity: view.severity,
      ...(envelope.severity !== undefined && fired.length > 0 && { originalSeverity: envelope.severity }),
      ...(fired.length > 0 && { rulesFired: fired }),
    };
  }

  #default(type: string): string | undefined {
    return this.#exact.get(type) ?? this.#globs.find((g) => g.match(type))?.severity;
  }

  #effect(effect: SeverityRuleConfig['effect'], severity: string | undefined): string | undefined {
    if ('set' in effect) return effect.set;
    const rank = severityRank(severity);
    return rank === undefined ? undefined : shiftSeverity(rank, effect.shift);
  }
}
