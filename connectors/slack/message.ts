import type { Envelope } from '../../src/pipeline/envelope.js';
import { isSeverity, type Severity } from '../../src/pipeline/severity.js';
import { escapeMrkdwn, mrkdwn, truncate } from './text.js';

export type SlackText = { readonly type: 'plain_text'; readonly text: string } | { readonly type: 'mrkdwn'; readonly text: string };

export type SlackBlock =
  | { readonly type: 'header'; readonly text: { readonly type: 'plain_text'; readonly text: string } }
  | { readonly type: 'section'; readonly text?: SlackText; readonly fields?: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] };

/**
 * An incoming-webhook message. The header (and the mention) are top-level blocks, so they are
 * always shown; the details sit in one attachment, whose `color` draws the severity bar beside
 * them (blocks have no colour of their own). `text` is the notification and fallback.
 */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
  readonly attachments: readonly [{ readonly color: string; readonly blocks: readonly SlackBlock[] }];
}

export interface SlackMessageOptions {
  /** The platform's web address without a trailing slash; unset: no link back. */
  readonly platformUrl?: string;
  /** Mention(s) from the config, sent as they are (they are not data). */
  readonly mention?: string;
  /** Most bytes of the encoded message; longer values are cut further to fit. @default 40_000 */
  readonly maxBytes?: number;
}

/** Block Kit's limits (characters); the values we send are cut to them, never refused. */
export const LIMITS = { header: 150, sectionText: 3_000, fields: 10, fieldText: 2_000, text: 40_000 } as const;

/** Our own, tighter caps: a notification line and a context line need not be long. */
const FALLBACK_TEXT = 3_000;
const CONTEXT_TEXT = 300;
const FIELD_LABEL = 100;
/** Each halving of the caps shrinks the message; below this it is small whatever the data. */
const MIN_SCALE = 1 / 32;

const STYLES: Readonly<Record<Severity, { readonly emoji: string; readonly color: string }>> = {
  critical: { emoji: '🔴', color: '#b71c1c' },
  high: { emoji: '🟠', color: '#ef6c00' },
  medium: { emoji: '🟡', color: '#f9a825' },
  low: { emoji: '🔵', color: '#1e88e5' },
  info: { emoji: '⚪', color: '#9e9e9e' },
};
/** No severity, or one outside the scale. */
const UNRATED = { emoji: '🔘', color: '#9e9e9e' };

/** Data keys shown elsewhere in the message (header, asset field, body, context). */
const SHOWN_ELSEWHERE = new Set(['title', 'severity', 'asset', 'asset_id', 'asset_name', 'timestamp', 'description', 'message', 'events']);
/** Lines listed in a digest's body; the rest are counted. */
const DIGEST_LINES = 30;

/** Labels for the platform's documented keys, in display order; other keys follow, labelled from their name. */
const LABELS: Readonly<Record<string, string>> = {
  finding_id: 'Finding',
  cvss: 'CVSS',
  cve: 'CVE',
  new_status: 'Status',
  old_status: 'Previous status',
  status: 'Status',
  scan_id: 'Scan',
  scan_type: 'Scan type',
  phase: 'Phase',
  progress: 'Progress',
  finding_count: 'Findings',
  duration: 'Duration (s)',
  error: 'Error',
  alert_type: 'Alert',
  action_id: 'Action',
  playbook_id: 'Playbook',
  execution_id: 'Execution',
  url: 'URL',
};

/**
 * The message for one event of any type, as the JSON body to POST. Everything taken from the
 * event is either plain_text or escaped mrkdwn, so data cannot mention, link or format; every
 * value is cut to Block Kit's limits, then all caps are halved until the body fits `maxBytes`.
 */
export function encodeSlackMessage(envelope: Envelope, options: SlackMessageOptions = {}): string {
  const maxBytes = options.maxBytes ?? 40_000;
  for (let scale = 1; ; scale /= 2) {
    const body = JSON.stringify(composeMessage(envelope, options, scale));
    if (scale <= MIN_SCALE || Buffer.byteLength(body) <= maxBytes) return body;
  }
}

function composeMessage(envelope: Envelope, options: SlackMessageOptions, scale: number): SlackMessage {
  const cap = (limit: number) => Math.floor(limit * scale);
  const { data, severity } = envelope;
  const style = severity !== undefined && isSeverity(severity) ? STYLES[severity] : UNRATED;
  const digest = envelope.type === 'digest' ? digestOf(data) : undefined;
  const title = digest?.title ?? statusTitle(envelope) ?? stringValue(data.title) ?? describeType(envelope.type);
  const body = digest?.body ?? stringValue(data.description) ?? stringValue(data.message);
  const asset = envelope.asset?.name ?? envelope.asset?.id;
  const mention = options.mention ? `${options.mention} ` : '';

  // "[CRITICAL] SQL Injection on api.example.com: …": what a phone shows.
  const summary = `${severity ? `[${severity.toUpperCase()}] ` : ''}${title}${asset ? ` on ${asset}` : ''}${body ? `: ${body}` : ''}`;
  const top: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(`${style.emoji} ${title}`, LIMITS.header) } }];
  if (options.mention) top.push({ type: 'section', text: { type: 'mrkdwn', text: options.mention } });

  const details: SlackBlock[] = [];
  if (body) details.push({ type: 'section', text: { type: 'mrkdwn', text: mrkdwn(body, cap(LIMITS.sectionText)) } });
  details.push({ type: 'section', fields: fieldsOf(envelope).map(([label, value]) => field(label, value, cap(LIMITS.fieldText))) });
  details.push({ type: 'context', elements: contextOf(envelope, options.platformUrl) });

  return {
    text: mention + mrkdwn(summary, Math.min(cap(FALLBACK_TEXT), LIMITS.text - mention.length)),
    blocks: top,
    attachments: [{ color: style.color, blocks: details }],
  };
}

/**
 * A route's digest (src/pipeline/digest.ts): a title with the count, and one line per held
 * event, "[SEVERITY] title on asset", the whole escaped like any other body.
 */
function digestOf(data: Envelope['data']): { title: string; body: string } {
  const events = Array.isArray(data.events) ? (data.events as { severity?: unknown; type?: unknown; asset?: { name?: unknown; id?: unknown }; data?: Record<string, unknown> }[]) : [];
  const lines = events.slice(0, DIGEST_LINES).map((e) => {
    const severity = typeof e.severity === 'string' ? `[${e.severity.toUpperCase()}] ` : '';
    const asset = stringValue(e.asset?.name) ?? stringValue(e.asset?.id);
    return `• ${severity}${stringValue(e.data?.title) ?? describeType(String(e.type))}${asset ? ` on ${asset}` : ''}`;
  });
  if (events.length > DIGEST_LINES) lines.push(`… and ${events.length - DIGEST_LINES} more`);
  return { title: `${events.length} events (route ${String(data.route)})`, body: lines.join('\n') };
}

/** `[label, value]` pairs, at most `LIMITS.fields`: the last one counts what did not fit. */
function fieldsOf(envelope: Envelope): [string, string][] {
  const { data, severity, asset } = envelope;
  const pairs: [string, string][] = [];
  if (severity) pairs.push(['Severity', severity.toUpperCase()]);
  pairs.push(['Event', envelope.type]);
  const assetLabel = asset?.name && asset.id ? `${asset.name} (${asset.id})` : (asset?.name ?? asset?.id);
  if (assetLabel) pairs.push(['Asset', assetLabel]);
  const keys = Object.keys(data).filter((key) => !SHOWN_ELSEWHERE.has(key));
  const known = Object.keys(LABELS).filter((key) => keys.includes(key));
  // Own keys only: `in` would take data keys such as `constructor` or `__proto__` for labels and drop them.
  for (const key of [...known, ...keys.filter((key) => !Object.hasOwn(LABELS, key))]) {
    const value = displayValue(data[key]);
    if (value !== undefined) pairs.push([(Object.hasOwn(LABELS, key) ? LABELS[key] : undefined) ?? describeKey(key), value]);
  }
  if (pairs.length <= LIMITS.fields) return pairs;
  const shown = pairs.slice(0, LIMITS.fields - 1);
  return [...shown, ['More', `${pairs.length - shown.length} more fields in the event`]];
}

function field(label: string, value: string, max: number): SlackText {
  const head = `*${mrkdwn(label, FIELD_LABEL)}*\n`;
  return { type: 'mrkdwn', text: head + mrkdwn(value, Math.max(1, max - head.length)) };
}

/** The link back to the platform, the event's type and id, and its time in the reader's zone. */
function contextOf(envelope: Envelope, platformUrl: string | undefined): SlackText[] {
  const elements: SlackText[] = [];
  const link = platformUrl && platformLink(platformUrl, envelope.data);
  if (link) elements.push({ type: 'mrkdwn', text: link });
  elements.push({ type: 'mrkdwn', text: mrkdwn(`${envelope.type} · ${envelope.id}`, CONTEXT_TEXT) });
  const ms = envelope.time ?? envelope.receivedAt;
  // Slack renders <!date^…> in each reader's time zone; the ISO text is its fallback.
  elements.push({ type: 'mrkdwn', text: `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time_secs}|${new Date(ms).toISOString()}>` });
  return elements;
}

/** `<https://app.s4e.io/findings/f-1|Open finding in S4E>`, or the scan's; the id is URL-encoded. */
function platformLink(platformUrl: string, data: Envelope['data']): string | undefined {
  const finding = idValue(data.finding_id);
  const scan = idValue(data.scan_id);
  const target = finding !== undefined ? { path: 'findings', id: finding, noun: 'finding' } : scan !== undefined ? { path: 'scans', id: scan, noun: 'scan' } : undefined;
  if (!target) return undefined;
  // `|` would end the URL part of the link; encodeURIComponent already took it out of the id.
  const href = escapeMrkdwn(`${platformUrl}/${target.path}/${encodeURIComponent(target.id)}`).replace(/\|/g, '%7C');
  return `<${href}|Open ${target.noun} in S4E>`;
}

/**
 * A status change says so first: `SQL Injection: open → resolved` (told with its finding's title,
 * see src/pipeline/lifecycle.ts), else `Finding f-1: open → resolved`; not the finding's alert again.
 */
function statusTitle({ type, data }: Envelope): string | undefined {
  const status = stringValue(data.new_status);
  if (type !== 'finding.status_changed' || status === undefined) return undefined;
  const finding = stringValue(data.title) ?? `Finding ${idValue(data.finding_id) ?? '(no id)'}`;
  const from = stringValue(data.old_status);
  return `${finding}: ${from ? `${from} → ` : ''}${status}`;
}

/** `finding.status_changed` → `Finding status changed`. */
function describeType(type: string): string {
  return describeKey(type.replace(/\./g, ' '));
}

/** `scan_type` → `Scan type`. */
function describeKey(key: string): string {
  const words = key.replace(/_+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function stringValue(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function idValue(value: unknown): string | undefined {
  return typeof value === 'number' ? String(value) : stringValue(value);
}

/** Scalars as they are, lists of scalars joined, anything else as JSON; nothing for empty values. */
function displayValue(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value) && value.every((item) => item === null || typeof item !== 'object')) {
    return value.length > 0 ? value.join(', ') : undefined;
  }
  return JSON.stringify(value);
}
