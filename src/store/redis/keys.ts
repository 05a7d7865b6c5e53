/**
 * Every Redis name the store uses, and the only place they are built. Keys are
 * `{<keyPrefix>}:…`: the hash tag puts them all in one cluster slot, so the multi-key
 * scripts stay legal on a cluster.
 */
export class RedisKeys {
  /** Hash: subscription → checkpoint JSON `{"id","at"}`. */
  readonly checkpoints: string;
  /** Sorted set: `<subscription>\n<event id>` scored by when it was first ingested (dedupe window). */
  readonly seen: string;
  /** Stream: events that could not be decoded, field `m` = MalformedEvent JSON. */
  readonly malformed: string;
  /** Hash: finding id → FindingState JSON (src/store/findings.ts). */
  readonly findings: string;
  /** Sorted set: finding id scored by when it was last seen (retention, cap). */
  readonly findingsLastSeen: string;
  readonly #base: string;

  constructor(keyPrefix: string) {
    this.#base = keyTag(keyPrefix);
    this.checkpoints = `${this.#base}:checkpoints`;
    this.seen = `${this.#base}:seen`;
    this.malformed = `${this.#base}:malformed`;
    this.findings = `${this.#base}:findings`;
    this.findingsLastSeen = `${this.#base}:findings:last-seen`;
  }

  /** Stream per connector, read through DELIVERY_GROUP; field `e` = Envelope JSON. */
  outbox(connector: string): string {
    return `${this.#base}:outbox:${connector}`;
  }

  /** Stream per connector of entries that failed for good (fields: see dead-letters.ts). */
  deadLetters(connector: string): string {
    return `${this.#base}:dlq:${connector}`;
  }

  /** Stream per digest route of the events it holds (field `e` = Envelope JSON). */
  digest(route: string): string {
    return `${this.#base}:digest:${route}`;
  }

  /**
   * String per connector state key: one Redis key each, so each can have its own TTL.
   * Unambiguous: connector names hold no ":".
   */
  state(connector: string, key: string): string {
    return `${this.#base}:state:${connector}:${key}`;
  }

  /** String per lease: `<owner>\n<token>`, expiring (see lua/acquire-1.lua). */
  lease(name: string): string {
    return `${this.#base}:lease:${name}`;
  }

  /** Counter per lease: its latest fencing token (never expires). */
  fence(name: string): string {
    return `${this.#base}:fence:${name}`;
  }

  /** Sorted set: replica name scored by when its presence expires. */
  get replicas(): string {
    return `${this.#base}:replicas`;
  }

  /** Per durable queue: a sorted set of items scored by when added (FIFO), and a hash item → value. */
  queue(name: string): { order: string; values: string } {
    const base = `${this.#base}:queue:${name}`;
    return { order: `${base}:order`, values: `${base}:values` };
  }

  /** Sorted set per seen-set: id scored by when it may be forgotten. */
  seenSet(name: string): string {
    return `${this.#base}:seenset:${name}`;
  }

  /** String per route state key (dedupe windows); `:routes:` cannot clash with a connector's `:state:`. */
  routeState(key: string): string {
    return `${this.#base}:routes:${key}`;
  }
}

/** The consumer group every outbox is read through. */
export const DELIVERY_GROUP = 'delivery';

/** The common start of every key under `keyPrefix` (for SCAN MATCH in tools and tests). */
export function keyTag(keyPrefix: string): string {
  // Redis takes the first `{` … `}` as the hash tag; a brace inside the prefix would cut it short.
  if (/[{}]/.test(keyPrefix)) throw new Error(`keyPrefix must not contain "{" or "}": ${keyPrefix}`);
  return `{${keyPrefix}}`;
}
