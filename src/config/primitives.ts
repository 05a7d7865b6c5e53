import { hostname } from 'node:os';
import { z } from 'zod';
import { SEVERITIES } from '../pipeline/severity.js';

/** Value types shared by the config's sections (schema.ts, rules.ts). */

export const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "_", "-" and "." only');
export const eventPattern = z.string().regex(/^[A-Za-z0-9_.*?-]+$/, 'an event type or glob, e.g. finding.new or finding.*');
/** What the platform filters on: a type, never a glob. */
export const exactEventType = eventPattern.refine((e) => !/[*?]/.test(e), 'the platform filters on exact event types; use globs in routes');
export const severity = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(SEVERITIES, { error: `one of ${SEVERITIES.join(', ')}` }));

/**
 * A host on this machine (`localhost`, 127.0.0.0/8, `[::1]`), as a URL's `hostname` gives it:
 * plain http to it carries a secret across no network.
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * `schema`, defaulting to this machine's host name. The JSON Schema describes that default
 * rather than writing it: it would differ from one machine to the next.
 */
export function defaultHostName(schema: z.ZodType<string, string>) {
  return schema.default(() => hostname()).meta({ default: undefined, description: 'default: the host name' });
}
