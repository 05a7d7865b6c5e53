import type { MalformedEvent } from '../store/types.js';
import type { Envelope } from './envelope.js';
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
  return {
    ok: true,
    envelope: {
      id: event.id,
      type: event.type,
      data: fields,
      subscription,
      receivedAt: event.receivedAt,
      ...(severity !== undefined && { severity }),
      ...(asset && { asset }),
      ...(time !== undefined && { time }),
    },
  };
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
