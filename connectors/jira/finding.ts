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
 * The stable label the bridge finds a finding's issue by. Labels hold no whitespace, so
 * whitespace (and `%`, to keep the mapping one-to-one) is percent-encoded; an id too long for
 * a label is replaced by its SHA-256.
 */
export function findingLabel(findingId: string): string {
  const label = LABEL_PREFIX + findingId.replace(/[\s%]/gu, (c) => encodeURIComponent(c));
  if (label.length <= MAX_LABEL_CHARS) return label;
  return `${LABEL_PREFIX}sha256-${createHash('sha256').update(findingId).digest('hex')}`;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
