import type { Envelope } from '../../src/pipeline/envelope.js';
import { isSeverity } from '../../src/pipeline/severity.js';
import { formatCef, type CefKey } from './cef.js';
import type { CefSyslogOptions, SeverityLevels } from './config.js';
import { formatSyslog, msgId } from './syslog.js';

/** The options the encoder reads, as the config names them. */
export type CefSyslogEncoderOptions = Pick<CefSyslogOptions, 'format' | 'facility' | 'app_name' | 'hostname' | 'cef' | 'syslog_severity_map'>;

/** One envelope as one syslog message carrying a CEF line: a single line, without framing. */
export type CefSyslogEncoder = (envelope: Envelope) => string;

/** Latest time RFC 3339 and RFC 3164 can write (9999-12-31T23:59:59.999Z). */
const MAX_TIME = 253_402_300_799_999;

export function createCefSyslogEncoder(options: CefSyslogEncoderOptions): CefSyslogEncoder {
  const { cef } = options;
  return (envelope) => {
    const time = eventTime(envelope);
    const line = formatCef({
      vendor: cef.vendor,
      product: cef.product,
      version: cef.version,
      eventClassId: envelope.type,
      name: text(envelope.data.title) ?? readableName(envelope),
      severity: level(cef.severity_map, envelope.severity),
      extensions: extensions(envelope, time),
    });
    const header = {
      format: options.format,
      facility: options.facility,
      severity: level(options.syslog_severity_map, envelope.severity),
      time,
      hostname: options.hostname,
      appName: options.app_name,
      msgId: msgId(envelope.type),
    };
    return formatSyslog(header, line);
  };
}

/** The event's own time, or when the bridge received it when the event has none that can be written. */
function eventTime(envelope: Envelope): number {
  const { time } = envelope;
  return time !== undefined && time >= 0 && time <= MAX_TIME ? Math.round(time) : envelope.receivedAt;
}

function level(levels: SeverityLevels, severity: string | undefined): number {
  return severity !== undefined && isSeverity(severity) ? levels[severity] : levels.unknown;
}

/**
 * The CEF fields of an event, those it has: finding id (else the event id), scan, asset, CVE,
 * the event id, CVSS, status, URL, and its description or message last.
 */
function extensions(envelope: Envelope, time: number): [CefKey, string | number][] {
  const { data, asset } = envelope;
  const fields: [CefKey, string | number | undefined][] = [
    ['rt', time],
    ['externalId', text(data.finding_id) ?? envelope.id],
    ['cat', family(envelope.type)],
    ['act', text(data.new_status) ?? text(data.status)],
    ['dhost', asset?.name],
    ...labelled('cs1', 'scanId', text(data.scan_id)),
    ...labelled('cs2', 'assetId', asset?.id),
    ...labelled('cs3', 'cve', text(data.cve)),
    // The event's own id, always: externalId is the finding's, shared by its events, and a SIEM
    // needs the event id to drop the duplicates at-least-once delivery may bring.
    ...labelled('cs4', 'eventId', envelope.id),
    ...labelled('cfp1', 'cvss', typeof data.cvss === 'number' && Number.isFinite(data.cvss) ? data.cvss : undefined),
    ['request', text(data.url)],
    ['msg', text(data.description) ?? text(data.message) ?? text(data.error)],
  ];
  return fields.filter((field): field is [CefKey, string | number] => field[1] !== undefined && field[1] !== '');
}

/** A custom field and its label (`cs1Label=scanId cs1=sc-1`), or nothing when the value is absent. */
function labelled(key: 'cs1' | 'cs2' | 'cs3' | 'cs4' | 'cfp1', label: string, value: string | number | undefined): [CefKey, string | number | undefined][] {
  return value === undefined ? [] : [[`${key}Label`, label], [key, value]];
}

/** A scalar as text: strings as they are, finite numbers written out; anything else is absent. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

/** `scan.completed` → `scan`. */
function family(type: string): string {
  return type.split('.', 1)[0]!;
}

/**
 * A name for events without a title, from the type and the id of its subject:
 * `scan.completed` with `scan_id: sc-1` → `Scan sc-1 completed`, `system.alert` → `System alert`.
 */
function readableName({ type, data }: Envelope): string {
  const [subject, ...rest] = type.split('.') as [string, ...string[]];
  const id = text(data[`${subject}_id`]);
  const what = rest.join(' ').replace(/_/g, ' ');
  return [subject.charAt(0).toUpperCase() + subject.slice(1), id, what].filter(Boolean).join(' ');
}
