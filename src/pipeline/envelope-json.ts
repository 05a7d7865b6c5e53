import type { Envelope } from './envelope.js';

/**
 * The JSON forms of an envelope, written without serializing its data twice.
 *
 * An event's data crosses the bridge as JSON three times: parsed off the wire (routing needs the
 * object), written to the store, read back and written to the destination. The object is never
 * changed after it is parsed (it is Readonly), so the text it was parsed from still is its JSON:
 * it is remembered here, keyed by the object, and written out as is instead of calling
 * JSON.stringify on the object again. An object with no text remembered (built in code, or
 * parsed elsewhere) is serialized as before.
 *
 * The text is the same data, not always the same bytes as JSON.stringify would give (the
 * platform's own spacing and escapes, and integers beyond 2^53 kept exact).
 */
const dataText = new WeakMap<object, string>();

/** Remembers `text` as the JSON of `data`: `data` is what JSON.parse(text) returned, and is never changed. */
export function rememberDataJson(data: object, text: string): void {
  dataText.set(data, text);
}

/** `envelope.data` as JSON: the text it was parsed from when known, else JSON.stringify. */
export function dataJson(envelope: Envelope): string {
  return dataText.get(envelope.data) ?? JSON.stringify(envelope.data);
}

/**
 * An envelope as the store keeps it: one JSON object with `data` first. Any JSON reader reads it
 * as before; decodeStoredEnvelope also finds where `data` ends, to remember its text.
 */
export function encodeStoredEnvelope(envelope: Envelope): string {
  const { data: _data, ...rest } = envelope;
  const tail = JSON.stringify(rest);
  const data = dataJson(envelope);
  return tail === '{}' ? `{"data":${data}}` : `{"data":${data},${tail.slice(1)}`;
}

const DATA_FIRST = '{"data":{';

/** Reads what encodeStoredEnvelope wrote (or any envelope JSON), remembering the text of its data. */
export function decodeStoredEnvelope(json: string): Envelope {
  const envelope = JSON.parse(json) as Envelope;
  // JSON.parse succeeded: the text is well-formed, so matching braces outside strings finds the end of `data`.
  if (json.startsWith(DATA_FIRST) && envelope !== null && typeof envelope.data === 'object' && envelope.data !== null) {
    const end = endOfObject(json, DATA_FIRST.length - 1);
    if (end > 0) dataText.set(envelope.data, json.slice(DATA_FIRST.length - 1, end));
  }
  return envelope;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * The index just past the object or array that starts at `start` in well-formed JSON text, or -1.
 * Strings are skipped with indexOf (they are most of an event's text), counting the backslashes
 * before each quote to tell an escaped one.
 */
export function endOfObject(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let close = i;
      for (;;) {
        close = text.indexOf('"', close + 1);
        if (close === -1) return -1;
        let backslashes = 0;
        while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      i = close;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) {
      return i + 1;
    }
  }
  return -1;
}
