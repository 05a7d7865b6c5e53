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

/** Case-insensitive on input; an unknown value is kept (lower-cased) so it can be reported. */
export function normalizeSeverity(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : undefined;
}
