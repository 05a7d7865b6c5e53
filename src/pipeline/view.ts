import type { Envelope } from './envelope.js';

/**
 * An event as rules and templates see it: snake_case like the YAML that names its fields
 * (`data.cvss`, `asset.name`, `original_severity`). Conditions' `where:` paths and template
 * expressions resolve against this one shape.
 */
export interface EventView {
  readonly id: string;
  readonly type: string;
  readonly severity?: string;
  readonly original_severity?: string;
  readonly rules_fired?: readonly string[];
  readonly asset?: { readonly id?: string; readonly name?: string };
  readonly subscription: string;
  /** The event's own timestamp, else when it was received: epoch ms (format with `date`). */
  readonly time: number;
  readonly received_at: number;
  /** Status changes: told from the finding's stored state (true), or of a finding never seen (false). */
  readonly enriched?: boolean;
  readonly data: Readonly<Record<string, unknown>>;
}

export function eventView(envelope: Envelope): EventView {
  return {
    id: envelope.id,
    type: envelope.type,
    severity: envelope.severity,
    original_severity: envelope.originalSeverity,
    rules_fired: envelope.rulesFired,
    asset: envelope.asset,
    subscription: envelope.subscription,
    time: envelope.time ?? envelope.receivedAt,
    received_at: envelope.receivedAt,
    enriched: envelope.enriched,
    data: envelope.data,
  };
}

/**
 * The value at a dotted path (`data.tags.0`), or undefined. Own properties only: a path can
 * never reach a prototype (`data.__proto__`, `data.constructor`).
 */
export function valueAt(view: EventView, path: readonly string[]): unknown {
  let at: unknown = view;
  for (const key of path) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
