import { encodeStoredEnvelope } from '../../pipeline/envelope-json.js';
import type { FindingState } from '../findings.js';
import type { IngestItem } from '../types.js';
import type { RedisKeys } from './keys.js';

/** Where a run of malformed items goes (lua/ingest-4.lua); any other run names KEYS indexes. */
const MALFORMED_RUN = 'm';

/** The run of finding-state updates (lua/ingest-4.lua), after the items'. */
const FINDINGS_RUN = 'f';

/**
 * Appends a batch's items to `args` as lua/ingest-4.lua takes them: runs of consecutive items
 * bound for the same streams, each a header (item count, where they go) and then an id and JSON
 * per item. A batch mostly goes to the same streams, so most events cost two arguments: Redis
 * and ioredis both pay per argument. The streams named are added to `scriptKeys`. Then the
 * findings run: each item's finding update, naming the item by the ARGV index of its id.
 */
export function appendIngestRuns(items: readonly IngestItem[], keys: RedisKeys, scriptKeys: string[], args: (string | number)[]): void {
  const keyIndex = new Map<string, number>();
  const indexOf = (key: string): number => {
    let index = keyIndex.get(key);
    if (index === undefined) {
      index = scriptKeys.push(key); // 1-based, as KEYS in Lua
      keyIndex.set(key, index);
    }
    return index;
  };
  const destinations = new Map<string, string>();
  const destinationOf = (connectors: readonly string[], digests: readonly string[]): string => {
    const set = digests.length === 0 ? connectors.join('\n') : `${connectors.join('\n')}\n\n${digests.join('\n')}`;
    let destination = destinations.get(set);
    if (destination === undefined) {
      // A digest buffer is one more stream the event is appended to, in the same step.
      const streams = [...[...new Set(connectors)].map((c) => keys.outbox(c)), ...digests.map((r) => keys.digest(r))];
      destination = streams.map(indexOf).join(',');
      destinations.set(set, destination);
    }
    return destination;
  };

  let countAt = -1;
  let count = 0;
  let destination: string | undefined;
  let previous: IngestItem | undefined;
  const findings: string[] = [];
  for (const item of items) {
    // The destination is worked out again only where the targets change.
    if (previous === undefined || !sameTargets(previous, item)) {
      const next = item.kind === 'malformed' ? MALFORMED_RUN : destinationOf(item.connectors, item.digests ?? []);
      if (next !== destination) {
        destination = next;
        countAt = args.push(0, destination) - 2;
        count = 0;
      }
    }
    args[countAt] = ++count;
    if (item.kind === 'malformed') {
      args.push(item.event.id, JSON.stringify(item.event));
    } else {
      // ARGV is 1-based: the id just pushed is ARGV[length - 1].
      const idAt = args.push(item.envelope.id, encodeStoredEnvelope(item.envelope)) - 1;
      const { finding } = item;
      if (finding) findings.push(`${idAt} ${finding.statusMode === 'initial' ? 'i' : 's'} ${finding.state.lastSeen} ${finding.id}`, findingJson(finding.state));
    }
    previous = item;
  }
  if (findings.length > 0) args.push(findings.length / 2, FINDINGS_RUN, ...findings);
}

/**
 * A finding's state as lua/ingest-4.lua stores it: its times last, so that the script tells a
 * finding reported again as it was by comparing the text before them.
 */
function findingJson({ firstSeen, lastSeen, ...content }: FindingState): string {
  return `${JSON.stringify(content).slice(0, -1)},"firstSeen":${firstSeen},"lastSeen":${lastSeen}}`;
}

function sameTargets(a: IngestItem, b: IngestItem): boolean {
  if (a.kind === 'malformed' || b.kind === 'malformed') return a.kind === b.kind;
  return sameStrings(a.connectors, b.connectors) && sameStrings(a.digests ?? [], b.digests ?? []);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
