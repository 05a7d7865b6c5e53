import type { Envelope } from '../../src/pipeline/envelope.js';
import type { Finding } from './finding.js';
import type { Doc, Paragraph } from './markup.js';

/** Jira's limit on `summary`. */
export const MAX_SUMMARY_CHARS = 255;

/** `[S4E] SQL Injection on api.example.com`: one line, at most 255 characters. */
export function issueSummary(finding: Finding): string {
  const asset = finding.asset?.name ?? finding.asset?.id;
  return truncate(oneLine(`[S4E] ${finding.title ?? `Finding ${finding.id}`}${asset ? ` on ${asset}` : ''}`), MAX_SUMMARY_CHARS);
}

export interface DescriptionOptions {
  /** The console link template (`platform_url`), `{finding_id}` replaced by the id. */
  readonly platformUrl?: string;
  /** The label the bridge finds the issue by, named so nobody removes it. */
  readonly label: string;
}

export function issueDescription(finding: Finding, envelope: Envelope, options: DescriptionOptions): Doc {
  const { asset } = finding;
  const assetText = asset?.name && asset.id ? `${asset.name} (${asset.id})` : (asset?.name ?? asset?.id);
  const fields: [string, string | undefined][] = [
    ['Title', finding.title],
    ['Severity', finding.severity],
    ['CVSS', finding.cvss],
    ['CVE', finding.cve],
    ['Asset', assetText],
    ['Resource', finding.resource],
    ['Scan', finding.scanId],
    ['Finding', finding.id],
    ['Reported', eventTime(envelope)],
  ];
  const link = options.platformUrl && consoleLink(options.platformUrl, finding.id);
  return [
    ...fields.flatMap(([name, value]) => (value === undefined ? [] : [field(name, value)])),
    ...(link ? [[{ text: 'Open in S4E', href: link }]] : []),
    [{ text: `Created by s4e-bridge from event ${envelope.id}. It finds this issue by the label ${options.label}: keep it.` }],
  ];
}

export function repeatComment(envelope: Envelope): Doc {
  return [[{ text: `S4E reported this finding again (event ${envelope.id}, ${eventTime(envelope)}).` }]];
}

export function statusComment(finding: Finding, envelope: Envelope): Doc {
  const from = finding.oldStatus ? ` from ${finding.oldStatus}` : '';
  return [[{ text: `S4E: finding status changed${from} to ${finding.newStatus ?? 'unknown'} (event ${envelope.id}, ${eventTime(envelope)}).` }]];
}

function field(name: string, value: string): Paragraph {
  return [{ text: `${name}:`, strong: true }, { text: ` ${value}` }];
}

function eventTime(envelope: Envelope): string {
  return new Date(envelope.time ?? envelope.receivedAt).toISOString();
}

function consoleLink(template: string, findingId: string): string {
  return template.replaceAll('{finding_id}', encodeURIComponent(findingId));
}

/** Control characters and line breaks become spaces: the summary is a single line. */
function oneLine(text: string): string {
  return text.replace(/[\s\p{Cc}]+/gu, ' ').trim();
}

/** At most `max` UTF-16 units (as Java counts), cut between code points and marked with an ellipsis. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = '';
  for (const point of text) {
    if (kept.length + point.length > max - 1) break;
    kept += point;
  }
  return `${kept}…`;
}
