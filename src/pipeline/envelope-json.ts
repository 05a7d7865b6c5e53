import type { Envelope } from './envelope.js';

/**
 * The JSON form of an envelope in the stores (outboxes, digest buffers, dead letters): plain
 * JSON, which any reader can parse.
 *
 * Writing the data's received text instead of serializing the parsed object again (and reading
 * it back lazily) was tried and measured (see README, Performance): V8's JSON.stringify and
 * JSON.parse cost no more than remembering, scanning and splicing the text, so the form stays
 * plain. One module all the same, so a store never grows a format of its own.
 */
export function encodeStoredEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope);
}

/** Reads what encodeStoredEnvelope wrote (or any envelope JSON). */
export function decodeStoredEnvelope(json: string): Envelope {
  return JSON.parse(json) as Envelope;
}
