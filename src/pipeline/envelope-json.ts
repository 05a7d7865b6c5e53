import type { Envelope } from './envelope.js';
import { jsonString } from './json-text.js';

/**
 * The JSON form of an envelope in the stores (outboxes, digest buffers, dead letters): plain
 * JSON that any reader can parse, with `data` written last, as the text it arrived in.
 *
 * Every event used to be serialized whole into the store, parsed whole out of it and serialized
 * again for HEC: three passes over its data for one that changes nothing. Now the data's text
 * travels as is from the wire to the store and from the store to a connector that splices it
 * (see dataJsonOf); only the few envelope members around it are written per event.
 */
export function encodeStoredEnvelope(envelope: Envelope, dataJson: string = dataJsonOf(envelope)): string {
  const { id, type, severity, originalSeverity, rulesFired, asset, subscription, receivedAt, time } = envelope;
  // By hand rather than JSON.stringify of an object: a third of the cost, on every event.
  let json = `{"id":${jsonString(id)},"type":${jsonString(type)}`;
  if (severity !== undefined) json += `,"severity":${jsonString(severity)}`;
  if (originalSeverity !== undefined) json += `,"originalSeverity":${jsonString(originalSeverity)}`;
  if (rulesFired !== undefined) json += `,"rulesFired":${JSON.stringify(rulesFired)}`;
  if (asset !== undefined) json += `,"asset":${JSON.stringify(asset)}`;
  json += `,"subscription":${jsonString(subscription)},"receivedAt":${receivedAt}`;
  if (time !== undefined) json += `,"time":${time}`;
  return `${json}${DATA_MEMBER}${dataJson}}`;
}

/** Reads what encodeStoredEnvelope wrote, or any envelope JSON. */
export function decodeStoredEnvelope(json: string): Envelope {
  const plain = JSON.parse(json) as Envelope;
  // Only the top-level member can match: inside a JSON string every quote is escaped, and the
  // members before `data` are ours. Written last, its text runs to the closing brace.
  const at = json.indexOf(DATA_MEMBER);
  const last = at >= 0 && json.endsWith('}') && plain.subscription !== undefined && json.lastIndexOf('"subscription":', at) >= 0;
  return last ? withDataJson(plain, json.slice(at + DATA_MEMBER.length, -1)) : plain;
}

/**
 * `envelope` holding on to `dataJson`, the JSON text its data was parsed from (off the wire, or
 * out of a store): dataJsonOf returns it as long as the envelope is not copied.
 */
export function withDataJson(envelope: Envelope, dataJson: string): Envelope {
  return new TextBackedEnvelope(envelope, dataJson);
}

/**
 * The JSON text of `envelope.data`: the text it was parsed from when the bridge still holds it,
 * else serialized now. Stores and connectors that write the data as JSON splice this in.
 */
export function dataJsonOf(envelope: Envelope): string {
  return envelope instanceof TextBackedEnvelope ? envelope.dataJson : JSON.stringify(envelope.data);
}

const DATA_MEMBER = ',"data":';

/**
 * An envelope with its data's text. The text stays right because data is never changed (it is
 * readonly throughout); a copy (`{ ...envelope, severity }`) is a plain object and no longer
 * claims it.
 */
class TextBackedEnvelope implements Envelope {
  readonly id: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly severity?: string;
  readonly originalSeverity?: string;
  readonly rulesFired?: readonly string[];
  readonly asset?: Envelope['asset'];
  readonly subscription: string;
  readonly receivedAt: number;
  readonly time?: number;
  /** Private: an own enumerable member would travel into every copy and comparison of the envelope. */
  readonly #dataJson: string;

  constructor(plain: Envelope, dataJson: string) {
    // Every member assigned, in one order, so that all such envelopes share one shape.
    this.id = plain.id;
    this.type = plain.type;
    this.data = plain.data;
    this.severity = plain.severity;
    this.originalSeverity = plain.originalSeverity;
    this.rulesFired = plain.rulesFired;
    this.asset = plain.asset;
    this.subscription = plain.subscription;
    this.receivedAt = plain.receivedAt;
    this.time = plain.time;
    this.#dataJson = dataJson;
  }

  get dataJson(): string {
    return this.#dataJson;
  }
}
