import type { Envelope } from '../../src/pipeline/envelope.js';
import { dataJsonOf } from '../../src/pipeline/envelope-json.js';
import { jsonString } from '../../src/pipeline/json-text.js';
import { isSeverity } from '../../src/pipeline/severity.js';
import type { Template } from '../../src/templates/compile.js';

/** HEC envelope metadata stamped on every event (the config's keys of the same names). */
export interface HecEncoderOptions {
  readonly host: string;
  readonly source: string;
  readonly sourcetype: Template;
  /** Omitted from the envelope when unset, so the token's default index applies. */
  readonly index?: Template;
  /** Dotted paths into the `event` object promoted to indexed `fields`, named by the path. */
  readonly fields?: readonly string[];
  /** The `severity` written for each bridge severity, and for `unknown` ones. */
  readonly severity_map: Readonly<Record<string, string>>;
  /** `source.base_url`, for templates' `link`. */
  readonly baseUrl?: string;
}

/** One envelope as one HEC `/event` JSON object (no trailing newline). */
export type HecEncoder = (envelope: Envelope) => string;

export type HecFieldValue = string | string[];

export function createHecEncoder(options: HecEncoderOptions): HecEncoder {
  const { host, source, sourcetype, index, severity_map: severities, baseUrl = '' } = options;
  const paths = (options.fields ?? []).map((name) => ({ name, keys: name.split('.') }));
  const severity = (value: string | undefined) => (value === undefined ? undefined : severities[isSeverity(value) ? value : 'unknown']);
  // Members that are the same for every event, written once.
  const fixed = `,"host":${JSON.stringify(host)},"source":${JSON.stringify(source)}`;
  return (envelope) => {
    const severityName = severity(envelope.severity);
    const originalSeverity = severity(envelope.originalSeverity);
    let fields: Record<string, HecFieldValue> | undefined;
    if (paths.length > 0) {
      const promoted = {
        id: envelope.id,
        type: envelope.type,
        severity: severityName,
        original_severity: originalSeverity,
        rules_fired: envelope.rulesFired,
        asset: envelope.asset,
        subscription: envelope.subscription,
        enriched: envelope.enriched,
        data: envelope.data,
      };
      for (const { name, keys } of paths) {
        const value = flatten(keys.reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), promoted));
        if (value !== undefined) (fields ??= {})[name] = value;
      }
    }
    // Written by hand around the data's own text (dataJsonOf), which is spliced in rather than
    // serialized again: the one large member, and the same text the store holds.
    let json = `{"time":${hecTime(envelope.time ?? envelope.receivedAt)}${fixed},"sourcetype":${jsonString(sourcetype.render(envelope, baseUrl))}`;
    const indexName = index?.render(envelope, baseUrl);
    if (indexName !== undefined) json += `,"index":${jsonString(indexName)}`;
    if (fields) json += `,"fields":${JSON.stringify(fields)}`;
    json += `,"event":{"id":${jsonString(envelope.id)},"type":${jsonString(envelope.type)}`;
    if (severityName !== undefined) json += `,"severity":${jsonString(severityName)}`;
    if (originalSeverity !== undefined) json += `,"original_severity":${jsonString(originalSeverity)}`;
    if (envelope.rulesFired !== undefined) json += `,"rules_fired":${JSON.stringify(envelope.rulesFired)}`;
    if (envelope.asset !== undefined) json += `,"asset":${JSON.stringify(envelope.asset)}`;
    json += `,"subscription":${jsonString(envelope.subscription)}`;
    if (envelope.enriched !== undefined) json += `,"enriched":${envelope.enriched}`;
    return `${json},"data":${dataJsonOf(envelope)}}}`;
  };
}

/** HEC reads `time` as epoch seconds; milliseconds would land far in the future. */
export function hecTime(epochMs: number): number {
  return Math.round(epochMs) / 1000;
}

/** Indexed fields are flat: a string, or an array of strings; null and empty arrays are left out. */
function flatten(value: unknown): HecFieldValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    const items = value.filter((item) => item !== undefined && item !== null).map(scalar);
    return items.length > 0 ? items : undefined;
  }
  return scalar(value);
}

function scalar(value: unknown): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** One request's worth of encoded events. */
export interface HecRequestBody {
  /** Concatenated JSON objects: HEC takes no array and no separators. */
  readonly body: string;
  /** How many events it holds (they follow the previous body's, in batch order). */
  readonly count: number;
}

/**
 * Packs encoded events, in order, into bodies of at most `maxBytes` (UTF-8, before any gzip).
 * An event larger than `maxBytes` travels alone: HEC may still take it, or answers 413.
 */
export function packBodies(encoded: readonly string[], maxBytes: number): HecRequestBody[] {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most batches fit for sure, uncounted.
  let chars = 0;
  for (const text of encoded) chars += text.length;
  if (chars * 3 <= maxBytes) return encoded.length > 0 ? [{ body: encoded.join(''), count: encoded.length }] : [];
  const bodies: HecRequestBody[] = [];
  let parts: string[] = [];
  let bytes = 0;
  for (const text of encoded) {
    const size = Buffer.byteLength(text);
    if (parts.length > 0 && bytes + size > maxBytes) {
      bodies.push({ body: parts.join(''), count: parts.length });
      parts = [];
      bytes = 0;
    }
    parts.push(text);
    bytes += size;
  }
  if (parts.length > 0) bodies.push({ body: parts.join(''), count: parts.length });
  return bodies;
}
