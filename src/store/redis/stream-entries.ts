/** Shapes of Redis stream replies, and reading them. */

/** One stream entry; `fields` is null for an entry deleted while still pending in a group. */
export type StreamEntry = readonly [id: string, fields: readonly string[] | null];

/** The entries of the one stream an XREADGROUP named; none when it timed out. */
export function readGroupEntries(reply: unknown): StreamEntry[] {
  const streams = reply as [key: string, entries: StreamEntry[]][] | null;
  return streams?.[0]?.[1] ?? [];
}

/** The value of field `name` in a flat `[name, value, name, value…]` list. */
export function field(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** When an entry was added, epoch ms: the first part of its `<ms>-<seq>` id. */
export function entryTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}
