import type { HelperDelegate, HelperOptions } from 'handlebars';
import { severityRank } from '../pipeline/severity.js';

/**
 * The helpers every template has. A helper misused with literal arguments (an unknown date
 * format or zone, a non-numeric truncate length) throws, so the trial render at load reports
 * it; a missing or odd value renders as '' instead.
 */
export const HELPERS: Readonly<Record<string, HelperDelegate>> = {
  upper: (value: unknown) => text(value).toUpperCase(),
  lower: (value: unknown) => text(value).toLowerCase(),
  truncate(value: unknown, length: unknown) {
    if (!Number.isInteger(length) || (length as number) < 1) throw new Error('truncate needs a length, e.g. {{truncate data.title 80}}');
    const chars = Array.from(text(value)); // code points: an emoji is never cut in half
    return chars.length <= (length as number) ? chars.join('') : `${chars.slice(0, (length as number) - 1).join('')}…`;
  },
  json: (value: unknown) => JSON.stringify(value ?? null),
  default: (value: unknown, fallback: unknown) => (value === undefined || value === null || value === '' ? fallback : value),
  date(value: unknown, ...rest: unknown[]) {
    const options = rest.pop() as HelperOptions;
    const format = rest[0] ?? 'iso';
    const zone = options.hash.zone ?? 'UTC';
    if (typeof format !== 'string' || !(format in DATE_FORMATS)) throw new Error(`date format is one of ${Object.keys(DATE_FORMATS).join(', ')}`);
    const parts = dateParts(zone);
    const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
    return Number.isFinite(ms) ? DATE_FORMATS[format as DateFormat](parts(ms), zone) : '';
  },
  severity_emoji: (...args: unknown[]) => SEVERITY_EMOJI[severityArg(args)] ?? '❔',
  severity_color: (...args: unknown[]) => SEVERITY_COLOR[severityArg(args)] ?? '#9e9e9e',
  link(...args: unknown[]) {
    const options = args.pop() as HelperOptions;
    const event = (args[0] ?? options.data.root) as { data?: Record<string, unknown> } | undefined;
    return platformLink(String(options.data.baseUrl ?? ''), event?.data ?? {});
  },
};

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The severity argument, or the event's own when none is given (`{{severity_emoji}}`). */
function severityArg(args: unknown[]): string {
  const options = args.pop() as HelperOptions;
  const value = args.length > 0 ? args[0] : (options.data.root as { severity?: unknown } | undefined)?.severity;
  return severityRank(text(value)) === undefined ? '' : text(value);
}

const SEVERITY_EMOJI: Record<string, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };
/** Slack attachment / HTML colours. */
const SEVERITY_COLOR: Record<string, string> = { critical: '#b71c1c', high: '#e65100', medium: '#f9a825', low: '#1565c0', info: '#9e9e9e' };

/** The platform's page of a finding, else of a scan, else ''. */
function platformLink(baseUrl: string, data: Record<string, unknown>): string {
  const target = idOf(data.finding_id) !== undefined ? ['findings', idOf(data.finding_id)] : idOf(data.scan_id) !== undefined ? ['scans', idOf(data.scan_id)] : undefined;
  return baseUrl && target ? `${baseUrl}/${target[0]}/${encodeURIComponent(target[1]!)}` : '';
}

function idOf(value: unknown): string | undefined {
  return (typeof value === 'string' && value !== '') || typeof value === 'number' ? String(value) : undefined;
}

type DateParts = Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'offset', string>;
type DateFormat = keyof typeof DATE_FORMATS;

const DATE_FORMATS = {
  /** `2026-04-28T14:01:00+02:00`; `Z` in UTC. */
  iso: (p: DateParts) => `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${p.offset === '' ? 'Z' : p.offset}`,
  date: (p: DateParts) => `${p.year}-${p.month}-${p.day}`,
  time: (p: DateParts) => `${p.hour}:${p.minute}:${p.second}`,
  /** `2026-04-28 14:01:00 Europe/Berlin`. */
  datetime: (p: DateParts, zone: string) => `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${zone}`,
} as const;

/** Formatters by zone, made once each; bounded, as a zone may come from event data. */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 100;

/** Calendar parts of an instant in an IANA zone; throws for an unknown zone. */
function dateParts(zone: unknown): (ms: number) => DateParts {
  if (typeof zone !== 'string') throw new Error('date zone is an IANA time zone name, e.g. zone="Europe/Berlin"');
  let format = formatters.get(zone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        timeZoneName: 'longOffset',
      });
    } catch {
      throw new Error(`date zone "${zone}" is not an IANA time zone name, e.g. Europe/Berlin`);
    }
    if (formatters.size < MAX_FORMATTERS) formatters.set(zone, format);
  }
  const formatter = format;
  return (ms) => {
    const parts = Object.fromEntries(formatter.formatToParts(ms).map((p) => [p.type, p.value]));
    // `GMT+02:00` → `+02:00`; UTC (`GMT`, `GMT+00:00`) is written `Z` by the iso format.
    const offset = String(parts.timeZoneName).replace(/^GMT/, '');
    return { ...parts, offset: offset === '+00:00' ? '' : offset } as DateParts;
  };
}
