import type { Envelope } from './envelope.js';
import { jsonString } from './json-text.js';
import { orderKeyOf } from './order-key.js';

/**
 * The JSON form of an envelope in the stores (outboxes, digest buffers, dead letters): plain
 * JSON that any reader can parse, the envelope's members and its order key, with `data` written
 * last, as the text it arrived in.
 *
 * Every event used to be serialized whole into the store, parsed whole out of it and serialized
 * again for HEC: three passes over its data for one that changes nothing. Now the data's text
 * travels as is from the wire to the store and from the store to a connector that splices it
 * (see dataJsonOf); only the few envelope members around it are written per event. Read back,
 * the data is parsed when something asks for it: the delivery side needs only the order key,
 * which is why it is stored beside the members.
 */
export function encodeStoredEnvelope(envelope: Envelope, dataJson: string = dataJsonOf(envelope)): string {
  const { id, type, severity, originalSeverity, rulesFired, asset, subscription, receivedAt, time, enriched } = envelope;
  // By hand rather than JSON.stringify of an object: a third of the cost, on every event.
  let json = `{"id":${jsonString(id)},"type":${jsonString(type)}`;
  if (severity !== undefined) json += `,"severity":${jsonString(severity)}`;
  if (originalSeverity !== undefined) json += `,"originalSeverity":${jsonString(originalSeverity)}`;
  if (rulesFired !== undefined) json += `,"rulesFired":${JSON.stringify(rulesFired)}`;
  if (asset !== undefined) json += `,"asset":${JSON.stringify(asset)}`;
  json += `,"subscription":${jsonString(subscription)},"receivedAt":${receivedAt}`;
  if (time !== undefined) json += `,"time":${time}`;
  if (enriched !== undefined) json += `,"enriched":${enriched}`;
  const key = orderKey(envelope);
  json += `,"orderKey":${key === undefined ? 'null' : jsonString(key)}`;
  return `${json}${DATA_MEMBER}${dataJson}}`;
}

/** Reads what encodeStoredEnvelope wrote, or any envelope JSON. */
export function decodeStoredEnvelope(json: string): Envelope {
  // Only the top-level member can match: inside a JSON string every quote is escaped, and the
  // members before `data` are ours (asset has only id and name). Written last, its text runs to
  // the closing brace; what comes before it is the members, read without the data. The order
  // key, written last of them, tells that text from envelope JSON written any other way.
  const at = json.indexOf(DATA_MEMBER);
  if (at >= 0 && json.endsWith('}')) {
    const members = parsedMembers(`${json.slice(0, at)}}`);
    if (members !== undefined) return new TextBackedEnvelope(members, json.slice(at + DATA_MEMBER.length, -1));
  }
  const { orderKey: _key, ...plain } = JSON.parse(json) as StoredMembers & Pick<Envelope, 'data'>;
  return plain;
}

type StoredMembers = Omit<Envelope, 'data'> & { readonly orderKey?: string | null };

/** The members before `data`, when encodeStoredEnvelope wrote them (else the text was written otherwise). */
function parsedMembers(text: string): StoredMembers | undefined {
  try {
    const members = JSON.parse(text) as Partial<StoredMembers> | null;
    return typeof members?.id === 'string' && members.orderKey !== undefined ? (members as StoredMembers) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `envelope` holding on to `dataJson`, the JSON text its data was parsed from (off the wire, or
 * out of a store): dataJsonOf returns it as long as the envelope is not copied.
 */
export function withDataJson(envelope: Envelope, dataJson: string): Envelope {
  return new TextBackedEnvelope(envelope, dataJson, envelope.data);
}

/**
 * The JSON text of `envelope.data`: the text it was parsed from when the bridge still holds it,
 * else serialized now. Stores and connectors that write the data as JSON splice this in.
 */
export function dataJsonOf(envelope: Envelope): string {
  return envelope instanceof TextBackedEnvelope ? envelope.dataJson : JSON.stringify(envelope.data);
}

/** What the event's delivery order is kept by (see orderKeyOf): out of a store, without parsing its data. */
export function orderKey(envelope: Envelope): string | undefined {
  return (envelope instanceof TextBackedEnvelope ? envelope.orderKey : orderKeyOf(envelope.data)) ?? undefined;
}

const DATA_MEMBER = ',"data":';

/**
 * An envelope with its data's text, and the data parsed from it on first use. The text stays
 * right because data is never changed (it is readonly throughout); a copy (`{ ...envelope,
 * severity }`) is a plain object and no longer claims it.
 */
class TextBackedEnvelope implements Envelope {
  readonly id: string;
  readonly type: string;
  declare readonly data: Readonly<Record<string, unknown>>;
  readonly severity?: string;
  readonly originalSeverity?: string;
  readonly rulesFired?: readonly string[];
  readonly asset?: Envelope['asset'];
  readonly subscription: string;
  readonly receivedAt: number;
  readonly time?: number;
  readonly enriched?: boolean;
  // Private: an own enumerable member would travel into every copy and comparison of the envelope.
  readonly #dataJson: string;
  #data: Readonly<Record<string, unknown>> | undefined;
  /** undefined until known; null: unordered. */
  #orderKey: string | null | undefined;

  /**
   * `data` is an own enumerable property, as on a plain envelope, so that copies, JSON and
   * comparisons see it; one getter shared by all keeps every such envelope of one shape.
   */
  static readonly #dataProperty: PropertyDescriptor = {
    enumerable: true,
    get(this: TextBackedEnvelope) {
      return (this.#data ??= JSON.parse(this.#dataJson) as Record<string, unknown>);
    },
  };

  /** `members.orderKey`: as stored, else worked out from the data when asked. `data`: when already parsed. */
  constructor(members: StoredMembers, dataJson: string, data?: Envelope['data']) {
    // Every member assigned, in one order, so that all such envelopes share one shape.
    this.id = members.id;
    this.type = members.type;
    Object.defineProperty(this, 'data', TextBackedEnvelope.#dataProperty);
    this.severity = members.severity;
    this.originalSeverity = members.originalSeverity;
    this.rulesFired = members.rulesFired;
    this.asset = members.asset;
    this.subscription = members.subscription;
    this.receivedAt = members.receivedAt;
    this.time = members.time;
    this.enriched = members.enriched;
    this.#dataJson = dataJson;
    this.#data = data;
    this.#orderKey = members.orderKey;
  }

  get dataJson(): string {
    return this.#dataJson;
  }

  get orderKey(): string | null {
    if (this.#orderKey === undefined) this.#orderKey = orderKeyOf(this.data);
    return this.#orderKey;
  }
}
