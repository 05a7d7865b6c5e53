/**
 * Every key of the embedded store, and the only place they are built. One LevelDB keyspace,
 * sorted byte-wise, each kind of record under its own `<kind>!` prefix. Connector, route and
 * subscription names hold no "!" nor newline (the config allows letters, digits, "_", "-" and
 * "." only), so no prefix is the start of another.
 */

/** Width of a zero-padded sequence number or timestamp: sorts as text in numeric order. */
const DIGITS = 16;

/** A number as a key part that sorts in numeric order. */
export function padded(n: number): string {
  return String(n).padStart(DIGITS, '0');
}

export const keys = {
  /** → Checkpoint JSON. */
  checkpoint: (subscription: string) => `checkpoint!${subscription}`,
  /** → ms the id was first ingested: the dedupe window. */
  seen: (subscription: string, id: string) => `seen!${subscription}\n${id}`,
  /** → '': the seen keys by time, so the sweep finds expired ones without a full scan. */
  seenAt: (at: number, seenKey: string) => `seen-at!${padded(at)}!${seenKey}`,
  /** → entry value (see encodeEntry); the ref is the sequence number. */
  outbox: (connector: string, ref: string) => `outbox!${connector}!${ref}`,
  /** → how many times the outbox entry was handed out, once it has been. */
  taken: (connector: string, ref: string) => `taken!${connector}!${ref}`,
  /** → StoredDeadLetter JSON. */
  dead: (connector: string, ref: string) => `dead!${connector}!${ref}`,
  /** → Envelope JSON held for a route's digest. */
  digest: (route: string, ref: string) => `digest!${route}!${ref}`,
  /** → MalformedEvent JSON. */
  malformed: (ref: string) => `malformed!${ref}`,
  /** → StoredValue JSON of a connector's state. */
  state: (connector: string, key: string) => `state!${connector}!${key}`,
  /** → StoredValue JSON of the routes' state. */
  routeState: (key: string) => `route-state!${key}`,
  /** → FindingState JSON (src/store/findings.ts). */
  finding: (id: string) => `finding!${id}`,
  /** → '': findings by when they were last seen, for their retention and cap. */
  findingSeen: (at: number, id: string) => `finding-seen!${padded(at)}!${id}`,
  /** → the last sequence number handed out (refs are never reused, even once deleted). */
  sequence: 'meta!sequence',
} as const;

/** Key prefixes of the records read as ranges. */
export const prefixes = {
  seenAt: 'seen-at!',
  outboxes: 'outbox!',
  outbox: (connector: string) => `outbox!${connector}!`,
  dead: (connector: string) => `dead!${connector}!`,
  deadLetters: 'dead!',
  digest: (route: string) => `digest!${route}!`,
  malformed: 'malformed!',
  states: ['state!', 'route-state!'],
  findings: 'finding!',
  findingSeen: 'finding-seen!',
} as const;

/** Bounds of every key that starts with `prefix` (which ends with "!"); `after` starts past that key. */
export function under(prefix: string, after?: string): { gt: string; lt: string } {
  return { gt: after ?? prefix, lt: `${prefix.slice(0, -1)}"` };
}

/** The seen key a `seen-at` key points at. */
export function seenKeyOf(seenAtKey: string): string {
  return seenAtKey.slice(prefixes.seenAt.length + DIGITS + 1);
}

/** The finding id a `finding-seen` key points at. */
export function findingIdOf(findingSeenKey: string): string {
  return findingSeenKey.slice(prefixes.findingSeen.length + DIGITS + 1);
}

/** The part of `key` after its last "!": the ref of a sequenced record. */
export function refOf(key: string): string {
  return key.slice(key.lastIndexOf('!') + 1);
}

/** The name between a record's kind and its ref: `outbox!<name>!<ref>` → name. */
export function nameOf(key: string): string {
  return key.slice(key.indexOf('!') + 1, key.lastIndexOf('!'));
}

/** An outbox entry: when it was appended (for the backlog's age), then the envelope JSON. */
export function encodeEntry(at: number, envelopeJson: string): string {
  return `${at}\n${envelopeJson}`;
}

export function decodeEntry(value: string): { at: number; envelopeJson: string } {
  const newline = value.indexOf('\n');
  return { at: Number(value.slice(0, newline)), envelopeJson: value.slice(newline + 1) };
}
