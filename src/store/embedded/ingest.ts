import { encodeStoredEnvelope } from '../../pipeline/envelope-json.js';
import { lastCheckpoint } from '../checkpoint.js';
import type { FindingUpdate } from '../findings.js';
import type { IngestItem, IngestResult } from '../types.js';
import { Appends, type EmbeddedContext } from './context.js';
import type { Write } from './database.js';
import type { EmbeddedFindings } from './findings.js';
import { keys, prefixes, under } from './keys.js';

export interface IngestSettings {
  readonly dedupeWindowMs: number;
  /** Malformed events kept, approximately: the oldest beyond it go as new ones come. */
  readonly malformedMax: number;
}

/**
 * Ingests one batch as one fsync'd LevelDB batch (see Store.ingest): ids seen within the dedupe
 * window are skipped, new events appended to their outboxes and digest buffers and their finding
 * updates applied, malformed ones set aside, the checkpoint set. Runs inside the writer;
 * `malformed` is how many are kept now. Rejects with BacklogFullError, writing nothing, while the
 * backlog is at `max_backlog`.
 */
export async function ingestBatch(
  context: EmbeddedContext,
  settings: IngestSettings,
  subscription: string,
  items: readonly IngestItem[],
  malformed: number,
  findings: EmbeddedFindings,
): Promise<IngestResult & { malformed: number }> {
  const { db, writer, refs, meter } = context;
  meter.assertRoom();
  const now = Date.now();
  const ids = [...new Set(items.map(idOf).filter((id) => id !== ''))];
  const seenAt = await db.getMany(ids.map((id) => keys.seen(subscription, id)));
  // Each id not seen within the window, until this batch's first item with it takes it.
  const fresh = new Set(ids.filter((_, i) => !(Number(seenAt[i]) >= now - settings.dedupeWindowMs)));

  const appends = new Appends(context);
  const writes: Write[] = [];
  const updates: FindingUpdate[] = [];
  let [appended, duplicates, malformedAdded] = [0, 0, 0];
  for (const item of items) {
    const id = idOf(item);
    if (id !== '') {
      if (!fresh.delete(id)) {
        duplicates += 1;
        continue;
      }
      const seenKey = keys.seen(subscription, id);
      writes.push({ type: 'put', key: seenKey, value: String(now) }, { type: 'put', key: keys.seenAt(now, seenKey), value: '' });
    }
    if (item.kind === 'malformed') {
      writes.push({ type: 'put', key: keys.malformed(refs.next()), value: JSON.stringify(item.event) });
      malformedAdded += 1;
      continue;
    }
    // One JSON text for every outbox and digest buffer it goes to (envelope-json.ts).
    const json = encodeStoredEnvelope(item.envelope);
    const connectors = [...new Set(item.connectors)];
    const digests = [...new Set(item.digests ?? [])];
    for (const connector of connectors) appends.add(connector, json, now);
    for (const route of digests) writes.push({ type: 'put', key: keys.digest(route, refs.next()), value: json });
    if (connectors.length + digests.length > 0) appended += 1;
    if (item.finding) updates.push(item.finding);
  }
  const finding = updates.length > 0 ? await findings.apply(updates) : undefined;

  const checkpoint = lastCheckpoint(items);
  if (checkpoint) writes.push({ type: 'put', key: keys.checkpoint(subscription), value: JSON.stringify(checkpoint) });
  const excess = malformed + malformedAdded - settings.malformedMax;
  const trimmed = excess > 0 ? await db.keys({ ...under(prefixes.malformed), limit: excess }).all() : [];
  for (const key of trimmed) writes.push({ type: 'del', key });

  await writer.commit([...writes, ...(finding?.writes ?? []), ...appends.writes, refs.write()], true);
  appends.committed();
  finding?.committed();
  return { appended, duplicates, malformed: malformed + malformedAdded - trimmed.length };
}

function idOf(item: IngestItem): string {
  return item.kind === 'event' ? item.envelope.id : item.event.id;
}
