import { isRetained, mergeFinding, type FindingLimits, type FindingState, type FindingUpdate } from '../findings.js';
import type { EmbeddedContext } from './context.js';
import type { Database, Write } from './database.js';
import { findingIdOf, keys, prefixes, under } from './keys.js';

/** Records looked at per write of the sweep: ingest waits behind at most one page. */
const PAGE_SIZE = 1_000;

/**
 * The finding states of the embedded store (see src/store/findings.ts): `finding!<id>` → state,
 * indexed by when each was last seen (`finding-seen!…`) for the retention, swept like the dedupe
 * ids, and the cap, kept at each ingest. How many there are is counted in memory.
 */
export class EmbeddedFindings {
  #count: number;

  constructor(
    private readonly context: EmbeddedContext,
    private readonly limits: FindingLimits,
    count: number,
  ) {
    this.#count = count;
  }

  /** How many findings the database holds, at open. */
  static async count(db: Database): Promise<number> {
    let count = 0;
    for await (const _ of db.keys(under(prefixes.findings))) count += 1;
    return count;
  }

  async read(ids: readonly string[]): Promise<Map<string, FindingState>> {
    const found = new Map<string, FindingState>();
    const values = await this.context.db.getMany(ids.map(keys.finding));
    const now = Date.now();
    values.forEach((json, i) => {
      const state = json === undefined ? undefined : (JSON.parse(json) as FindingState);
      if (state && isRetained(state, now, this.limits.retentionMs)) found.set(ids[i]!, state);
    });
    return found;
  }

  /**
   * The writes that apply `updates` (of a batch's new events, in order) over what is stored, and
   * keep the cap: the least recently seen findings go. Runs inside the writer; `committed()`
   * once they are.
   */
  async apply(updates: readonly FindingUpdate[]): Promise<{ writes: Write[]; committed: () => void }> {
    const { db } = this.context;
    const ids = [...new Set(updates.map((u) => u.id))];
    const values = await db.getMany(ids.map(keys.finding));
    const now = Date.now();
    const stored = new Map<string, FindingState>();
    values.forEach((json, i) => json !== undefined && stored.set(ids[i]!, JSON.parse(json) as FindingState));
    const next = new Map<string, FindingState>();
    for (const update of updates) {
      const known = stored.get(update.id);
      const base = next.get(update.id) ?? (known && isRetained(known, now, this.limits.retentionMs) ? known : undefined);
      next.set(update.id, mergeFinding(base, update));
    }
    const writes: Write[] = [];
    for (const [id, state] of next) {
      const before = stored.get(id);
      if (before !== undefined && before.lastSeen !== state.lastSeen) writes.push({ type: 'del', key: keys.findingSeen(before.lastSeen, id) });
      writes.push({ type: 'put', key: keys.finding(id), value: JSON.stringify(state) }, { type: 'put', key: keys.findingSeen(state.lastSeen, id), value: '' });
    }
    const added = ids.filter((id) => !stored.has(id)).length;
    const excess = this.#count + added - this.limits.maxFindings;
    let evicted = 0;
    if (excess > 0) {
      // The oldest index keys, past any of this batch's own (their old keys are being replaced).
      const oldest = await db.keys({ ...under(prefixes.findingSeen), limit: excess + ids.length }).all();
      for (const key of oldest) {
        const id = findingIdOf(key);
        if (evicted === excess || next.has(id)) continue;
        writes.push({ type: 'del', key }, { type: 'del', key: keys.finding(id) });
        evicted += 1;
      }
    }
    return { writes, committed: () => (this.#count += added - evicted) };
  }

  /** Deletes findings last seen before their retention. Reads ignore them already; this frees the space. */
  async sweep(signal: AbortSignal): Promise<void> {
    const { db, writer } = this.context;
    for (let more = true; more && !signal.aborted; ) {
      more = await writer.run(async () => {
        const cutoff = Date.now() - this.limits.retentionMs;
        const index = await db.keys({ gt: prefixes.findingSeen, lt: keys.findingSeen(cutoff, ''), limit: PAGE_SIZE }).all();
        const ids = index.map(findingIdOf);
        const states = await db.getMany(ids.map(keys.finding));
        const writes: Write[] = index.map((key) => ({ type: 'del', key }));
        let deleted = 0;
        ids.forEach((id, i) => {
          const json = states[i];
          // Seen again since (a newer index key holds it): it stays.
          if (json !== undefined && (JSON.parse(json) as FindingState).lastSeen < cutoff) {
            writes.push({ type: 'del', key: keys.finding(id) });
            deleted += 1;
          }
        });
        await writer.commit(writes, false);
        this.#count -= deleted;
        return index.length === PAGE_SIZE;
      });
    }
  }
}
