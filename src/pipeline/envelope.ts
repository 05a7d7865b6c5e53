/**
 * The typed form of one platform event, built once at the edge (decode.ts) and trusted inside.
 * It is what the store keeps in outboxes and what connectors receive.
 */
export interface Envelope {
  /** The platform's event id (SSE `id:`), unique per event. */
  readonly id: string;
  /** Event type (SSE `event:`), e.g. `finding.new`. */
  readonly type: string;
  /** The event's JSON payload, always an object. */
  readonly data: Readonly<Record<string, unknown>>;
  /** Lower-cased severity (see severity.ts), after defaults and rules; may be a value outside the scale, or absent. */
  readonly severity?: string;
  /** The severity the event came with, when `severity_rules` changed it. */
  readonly originalSeverity?: string;
  /** Names of the severity rules that changed it, in order; absent when none did. */
  readonly rulesFired?: readonly string[];
  readonly asset?: { readonly id?: string; readonly name?: string };
  /** Name of the subscription that received it. */
  readonly subscription: string;
  /** When the bridge received it, epoch milliseconds. */
  readonly receivedAt: number;
  /** The event's own timestamp, epoch milliseconds, when its data carries one. */
  readonly time?: number;
  /**
   * `finding.status_changed` only: whether the bridge told it with its finding's title,
   * severity and asset from what it remembers (see lifecycle.ts); false for a finding it never saw.
   */
  readonly enriched?: boolean;
}
