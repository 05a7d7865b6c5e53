import type { MalformedEvent } from '../store/types.js';
import type { Envelope } from './envelope.js';
import { withDataJson } from './envelope-json.js';
import { normalizeSeverity } from './severity.js';

/** An event as it came off the wire, before anything is trusted. */
export interface WireEvent {
  readonly id?: string;
  readonly type: string;
  readonly data: string;
  readonly receivedAt: number;
}

export type Decoded = { readonly ok: true; readonly envelope: Envelope } | { readonly ok: false; readonly malformed: MalformedEvent };

/** A payload larger than this is set aside, not parsed. */
export const MAX_DATA_BYTES = 1024 * 1024;
/**
 * Data nested deeper than this is set aside, not parsed. Real events are a few levels deep;
 * JSON.parse itself takes any depth, but code after it that recurses (JSON.stringify among it)
 * would overflow the stack on 100,000 levels and fail the whole batch, again on every replay.
 */
export const MAX_DATA_DEPTH = 128;
/** How much of a malformed payload is kept for the operator. */
const RAW_KEPT = 4096;

/** The one place where wire text becomes a typed Envelope; everything after trusts it. */
export function decodeEvent(event: WireEvent, subscription: string): Decoded {
  const reject = (reason: string): Decoded => ({
    ok: false,
    malformed: { id: event.id ?? '', type: event.type, subscription, reason, raw: event.data.slice(0, RAW_KEPT), receivedAt: event.receivedAt },
  });
  if (!event.id) return reject('event has no id: it cannot be checkpointed or deduplicated');
  if (event.data.length > MAX_DATA_BYTES) return reject(`data is ${event.data.length} characters, over the ${MAX_DATA_BYTES} limit`);
  if (nestedDeeperThan(event.data, MAX_DATA_DEPTH)) return reject(`data is nested deeper than ${MAX_DATA_DEPTH} levels`);
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch (error) {
    return reject(`data is not JSON: ${(error as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return reject(`data is ${data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`}, not a JSON object`);
  }
  const fields = data as Record<string, unknown>;
  const severity = normalizeSeverity(fields.severity);
  const asset = assetOf(fields);
  const time = timeOf(fields.timestamp);
  // The text is kept with the envelope: stores write it as is instead of serializing data again.
  return { ok: true, envelope: withDataJson({ id: event.id, type: event.type, data: fields, subscription, receivedAt: event.receivedAt, severity, asset, time }, event.data) };
}

function assetOf(data: Record<string, unknown>): Envelope['asset'] {
  const nested = data.asset !== null && typeof data.asset === 'object' ? (data.asset as Record<string, unknown>) : {};
  const id = stringOf(nested.id) ?? stringOf(data.asset_id);
  const name = stringOf(nested.name) ?? stringOf(data.asset_name);
  // Not `{ ...(id && { id }), … }`: a conditional spread first in a literal is ~20× slower in V8, per event.
  if (id && name) return { id, name };
  if (id) return { id };
  return name ? { name } : undefined;
}

function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Whether JSON text opens more than `max` arrays or objects inside each other. One pass that
 * jumps over strings with indexOf (most of an event's text is strings); malformed text is left
 * to JSON.parse to report.
 */
function nestedDeeperThan(text: string, max: number): boolean {
  // Cheap first: fewer than `max` brackets and braces in all (strings included) cannot nest deeper.
  if (text.length <= max || countUpTo(text, '{', max) + countUpTo(text, '[', max) <= max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i);
      if (i < 0) return false;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/** How many times `char` occurs in `text`, counting no further than `max + 1`. */
function countUpTo(text: string, char: string, max: number): number {
  let count = 0;
  for (let i = text.indexOf(char); i >= 0 && count <= max; i = text.indexOf(char, i + 1)) count++;
  return count;
}

/** The index of the quote closing the string opened at `start`, or -1. */
function endOfString(text: string, start: number): number {
  let close = start;
  for (;;) {
    close = text.indexOf('"', close + 1);
    if (close < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return close;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
