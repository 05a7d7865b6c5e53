import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** b, kb, mb, gb, kib, mib, gib in any case, spelt out: the JSON Schema's pattern takes no flags. */
const SIZE = /^(\d+(?:\.\d+)?)\s*((?:[kKmMgG][iI]?)?[bB])?$/;
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** `500ms`, `90s`, `5m`, `1h`, `1d` → milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  return match ? Math.round(Number(match[1]) * DURATION_MS[match[2]!]!) : undefined;
}

/** 3600000 → `1h`, 90000 → `90s`: the largest unit that divides it, as the config writes durations. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]];
  const [unit, size] = units.find(([, size]) => ms !== 0 && ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
}

/** `900KB`, `1MiB`, `4096` → bytes; undefined when not a size. */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  return match ? Math.round(Number(match[1]) * SIZE_BYTES[(match[2] ?? 'b').toLowerCase()]!) : undefined;
}

/**
 * A duration option: a string with a unit, or 0. Yields milliseconds. The patterns are part of
 * the schema (not only of the parse) so that the JSON Schema checks them in an editor too.
 */
export const duration = z
  .union([z.string().regex(DURATION, { error: (issue) => `"${String(issue.input)}" is not a duration: use a number with a unit, e.g. 500ms, 90s, 5m, 1h` }), z.literal(0)], {
    error: (issue) => (issue.input === undefined ? 'required' : `expected a duration with its unit, e.g. 90s or 500ms, got ${JSON.stringify(issue.input)}`),
  })
  .transform((value) => (value === 0 ? 0 : parseDuration(value)!));

/** A size option: bytes as a number, or a string with a unit (`900KB`, `1MiB`). Yields bytes. */
export const size = z
  .union([z.string().regex(SIZE, { error: (issue) => `"${String(issue.input)}" is not a size: use bytes or a unit, e.g. 900KB, 1MiB` }), z.number().int().nonnegative()])
  .transform((value) => (typeof value === 'number' ? value : parseSize(value)!));
