import { z } from 'zod';
import { defaultHostName } from '../../src/config/primitives.js';
import { SEVERITIES } from '../../src/pipeline/severity.js';
import { template } from '../../src/templates/compile.js';
import { tlsOptions } from '../tls.js';

/** Splunk CIM's `severity` values; `unknown` is for a severity outside the bridge's scale. */
export const HEC_SEVERITIES: Readonly<Record<(typeof SEVERITIES)[number] | 'unknown', string>> = {
  info: 'informational',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
  unknown: 'unknown',
};

/** A dotted path into the HEC `event` object, e.g. `severity`, `asset.id`, `data.cve`. */
const fieldPath = z.string().regex(/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/, 'expected a dotted path such as asset.id');

/** The `splunk_hec` connector's own keys (beside the shared `type`, `batch`, `delivery`). */
export const splunkHecOptions = z
  .object({
    /**
     * HEC base URL, e.g. `https://splunk.example.com:8088`; a path prefix (behind a proxy) is
     * kept. A pasted endpoint path (`/services/collector[/event]`) is dropped: HEC answers 404
     * for a wrong path, which is retried, as that is also how an indexer in detention answers.
     */
    url: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/(\/services\/collector(\/event)?)?\/*$/, '')),
    /** HEC token (a secret: masked everywhere). */
    token: z.string().min(1),
    /** Target index, a template (e.g. `s4e-{{lower type}}`); unset lets the token's default index apply. */
    index: z.string().min(1).pipe(template()).optional(),
    /** A template, e.g. `s4e:{{type}}`. @default 's4e:event' */
    sourcetype: z.string().min(1).pipe(template()).prefault('s4e:event'),
    /** @default 's4e-bridge' */
    source: z.string().min(1).default('s4e-bridge'),
    /** @default os.hostname() */
    host: defaultHostName(z.string().min(1)),
    tls: tlsOptions,
    /** Gzip request bodies. @default false */
    gzip: z.boolean().default(false),
    /** Event paths promoted to HEC indexed `fields` (flat string values), e.g. `[type, severity, asset.id]`. */
    fields: z.array(fieldPath).optional(),
    /** The event's `severity` as written to HEC, per bridge severity (and `unknown`); defaults: Splunk CIM's names. */
    severity_map: z
      .strictObject(Object.fromEntries(Object.keys(HEC_SEVERITIES).map((s) => [s, z.string().min(1).optional()])))
      .default({})
      .transform((map): Readonly<Record<string, string>> => ({ ...HEC_SEVERITIES, ...map })),
  })
  .strict();

export type SplunkHecOptions = z.output<typeof splunkHecOptions>;
