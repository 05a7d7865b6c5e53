import { createHash } from 'node:crypto';
import type { Envelope } from '../../src/pipeline/envelope.js';

/** The event types the connector acts on; every other type is a no-op. */
export { FINDING_NEW, FINDING_STATUS_CHANGED } from '../../src/pipeline/lifecycle.js';

/** What a finding event says, read defensively: any field but the id may be missing. */
export interface Finding {
  readonly id: string;
  readonly title?: string;
  readonly severity?: string;
  readonly cvss?: string;
  readonly cve?: string;
  readonly asset?: Envelope['asset'];
  readonly scanId?: string;
  /** The affected resource (not a console link). */
  readonly resource?: string;
  /** `finding.status_changed` only, lower-cased. */
  readonly oldStatus?: string;
  readonly newStatus?: string;
}

/** The finding an event is about; undefined when it names none (it cannot be tracked). */
export function readFinding(envelope: Envelope): Finding | undefined {
  const { data } = envelope;
  const id = text(data.finding_id);
  if (id === undefined) return undefined;
  return {
    id,
    title: text(data.title),
    severity: envelope.severity,
    cvss: text(data.cvss),
    cve: text(data.cve),
    asset: envelope.asset,
    scanId: text(data.scan_id),
    resource: text(data.url),
    oldStatus: text(data.old_status)?.toLowerCase(),
    newStatus: text(data.new_status)?.toLowerCase(),
  };
}

const LABEL_PREFIX = 's4e-finding-';
const MAX_LABEL_CHARS = 255;
/**
 * What a label never holds raw: whitespace (Jira refuses it), controls and noncharacters (the
 * JQL grammar refuses them unescaped, and people cannot see them), lone surrogates (not text),
 * and `%`, the escape itself, which keeps the mapping one-to-one.
 */
const NOT_IN_LABEL = /[\s%\u0000-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]/gu;
/** With the `u` flag, a surrogate matches only when it is not half of a pair. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * The stable label the bridge finds a finding's issue by: the id with NOT_IN_LABEL
 * percent-encoded (a lone surrogate, which has no UTF-8, as `%uXXXX`); an id too long for a
 * label is replaced by its SHA-256.
 */
export function findingLabel(findingId: string): string {
  const label = LABEL_PREFIX + findingId.replace(NOT_IN_LABEL, (c) => (LONE_SURROGATE.test(c) ? `%u${c.charCodeAt(0).toString(16).toUpperCase()}` : encodeURIComponent(c)));
  if (label.length <= MAX_LABEL_CHARS) return label;
  // UTF-8 would turn every lone surrogate into U+FFFD, making different ids one hash.
  const bytes = !LONE_SURROGATE.test(findingId) ? Buffer.from(findingId) : Buffer.from(findingId, 'utf16le');
  return `${LABEL_PREFIX}sha256-${createHash('sha256').update(bytes).digest('hex')}`;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
