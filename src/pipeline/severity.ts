/** The platform's severity scale, lowest first. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const RANK: ReadonlyMap<string, number> = new Map(SEVERITIES.map((s, i) => [s, i]));

export function isSeverity(value: string): value is Severity {
  return RANK.has(value);
}

/** Rank of a severity (info = 0 … critical = 4); undefined for a value outside the scale. */
export function severityRank(value: string | undefined): number | undefined {
  return value === undefined ? undefined : RANK.get(value);
}

/** The severity `steps` ranks above (or, negative, below) `rank`, capped at the ends of the scale. */
export function shiftSeverity(rank: number, steps: number): Severity {
  return SEVERITIES[Math.min(SEVERITIES.length - 1, Math.max(0, rank + steps))]!;
}

/** Case-insensitive on input; an unknown value is kept (lower-cased) so it can be reported. */
export function normalizeSeverity(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : undefined;
}

/** Most distinct unknown values remembered: a misbehaving source must not grow memory without end. */
const MAX_REMEMBERED = 1_000;

/** Says which unknown severities are new, so each is warned about once, not once per event. */
export class UnknownSeverities {
  readonly #seen = new Set<string>();

  /** True the first time `value` (outside the scale) is seen. */
  isNew(value: string | undefined): boolean {
    if (value === undefined || isSeverity(value) || this.#seen.has(value) || this.#seen.size >= MAX_REMEMBERED) return false;
    this.#seen.add(value);
    return true;
  }
}
