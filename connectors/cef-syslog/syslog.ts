/** Syslog facility codes by name (RFC 5424 §6.2.1, with the usual names of syslog.conf). */
export const FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  alert: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

export type SyslogFormat = 'rfc5424' | 'rfc3164';

/** The header of one syslog message; every text field is printable ASCII without spaces. */
export interface SyslogHeader {
  readonly format: SyslogFormat;
  /** 0–23. */
  readonly facility: number;
  /** 0 (emergency) – 7 (debug). */
  readonly severity: number;
  /** Epoch ms, within years 1970–9999. */
  readonly time: number;
  readonly hostname: string;
  /** RFC 5424 APP-NAME, RFC 3164 TAG. */
  readonly appName: string;
  /** RFC 5424 MSGID (RFC 3164 has none). */
  readonly msgId: string;
}

/** PRI: facility × 8 + severity. */
export function priority(facility: number, severity: number): number {
  return facility * 8 + severity;
}

/**
 * One syslog message, without framing:
 * RFC 5424 `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`, with no PROCID nor
 * structured data, and MSG without a BOM (CEF receivers expect `CEF:` first);
 * RFC 3164 `<PRI>Mmm dd hh:mm:ss HOST TAG: MSG`, in UTC (3164 carries no zone; UTC is the one
 * reading that does not depend on where the bridge runs).
 */
export function formatSyslog(header: SyslogHeader, msg: string): string {
  const pri = priority(header.facility, header.severity);
  const date = new Date(header.time);
  if (header.format === 'rfc5424') {
    return `<${pri}>1 ${date.toISOString()} ${header.hostname} ${header.appName} - ${header.msgId} - ${msg}`;
  }
  return `<${pri}>${bsdTimestamp(date)} ${header.hostname} ${header.appName}: ${msg}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Mmm dd hh:mm:ss`, the day padded with a space (`Apr  5`). */
function bsdTimestamp(date: Date): string {
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const time = date.toISOString().slice(11, 19);
  return `${MONTHS[date.getUTCMonth()]} ${day} ${time}`;
}

/** RFC 5424 MSGID from any text: printable ASCII only (others become `_`), at most 32 characters, `-` when empty. */
export function msgId(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '_').slice(0, 32) || '-';
}
