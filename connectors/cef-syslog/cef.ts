/**
 * ArcSight CEF:0 lines. Everything untrusted is escaped here, so that no text of an event can
 * end a field, add one, or break the line (which would start a forged record downstream).
 */

/** The extension keys this bridge writes: letters and digits only, as CEF requires. */
export type CefKey =
  | 'rt'
  | 'externalId'
  | 'cat'
  | 'act'
  | 'dhost'
  | 'cs1Label'
  | 'cs1'
  | 'cs2Label'
  | 'cs2'
  | 'cs3Label'
  | 'cs3'
  | 'cs4Label'
  | 'cs4'
  | 'cfp1Label'
  | 'cfp1'
  | 'request'
  | 'msg';

export interface CefRecord {
  readonly vendor: string;
  readonly product: string;
  readonly version: string;
  /** Device Event Class ID: the event type. */
  readonly eventClassId: string;
  readonly name: string;
  /** 0–10. */
  readonly severity: number;
  /** In order; absent values are left out by the caller. */
  readonly extensions: readonly (readonly [CefKey, string | number])[];
}

/** The spec's lengths: Name 512, Device Event Class ID and string extensions 1023 (custom strings among them). */
export const MAX_NAME = 512;
export const MAX_VALUE = 1023;

/** C0/C1 controls besides CR and LF, and Unicode line and paragraph separators: receivers may split or stop on them. */
const OTHER_CONTROLS = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/g;

export function formatCef(record: CefRecord): string {
  const header = [
    record.vendor,
    record.product,
    record.version,
    truncate(record.eventClassId, MAX_VALUE),
    truncate(record.name, MAX_NAME),
  ].map(escapeHeader);
  const extension = record.extensions
    .map(([key, value]) => `${key}=${typeof value === 'number' ? value : escapeExtension(truncate(value, MAX_VALUE))}`)
    .join(' ');
  return `CEF:0|${header.join('|')}|${record.severity}|${extension}`;
}

/** Header field: `\` → `\\`, `|` → `\|`; CR, LF and other controls → a space (a header cannot carry them). */
export function escapeHeader(value: string): string {
  return value.replace(/[\\|]/g, '\\$&').replace(/[\r\n]/g, ' ').replace(OTHER_CONTROLS, ' ');
}

/** Extension value: `\` → `\\`, `=` → `\=`, CR → `\r`, LF → `\n` (two characters each); other controls → a space. */
export function escapeExtension(value: string): string {
  return value
    .replace(/[\\=]/g, '\\$&')
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(OTHER_CONTROLS, ' ');
}

/** At most `max` UTF-16 units, never splitting a surrogate pair. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}
