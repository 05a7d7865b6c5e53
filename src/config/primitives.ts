import { z } from 'zod';
import { SEVERITIES } from '../pipeline/severity.js';

/** Value types shared by the config's sections (schema.ts, rules.ts). */

export const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "_", "-" and "." only');
export const eventPattern = z.string().regex(/^[A-Za-z0-9_.*?-]+$/, 'an event type or glob, e.g. finding.new or finding.*');
export const severity = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(SEVERITIES, { error: `one of ${SEVERITIES.join(', ')}` }));
