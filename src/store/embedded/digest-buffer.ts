import { decodeStoredEnvelope } from '../../pipeline/envelope-json.js';
import type { Envelope } from '../../pipeline/envelope.js';
import type { BufferedEvent, DigestBuffer } from '../types.js';
import { Appends, type EmbeddedContext } from './context.js';
import type { Write } from './database.js';
import { keys, prefixes, refOf, under } from './keys.js';

/** A digest route's buffer: Envelope JSON in ref order under `digest!<route>!`, filled by ingest. */
export class EmbeddedDigestBuffer implements DigestBuffer {
  constructor(
    private readonly context: EmbeddedContext,
    private readonly route: string,
  ) {}

  async peek(max: number): Promise<BufferedEvent[]> {
    if (max < 1) return [];
    const entries = await this.context.db.iterator({ ...under(prefixes.digest(this.route)), limit: max }).all();
    return entries.map(([key, value]) => ({ ref: refOf(key), envelope: decodeStoredEnvelope(value) }));
  }

  flush(refs: readonly string[], digest: Envelope, connectors: readonly string[]): Promise<boolean> {
    const { db, writer } = this.context;
    return writer.run(async () => {
      const held = await db.getMany(refs.map((ref) => keys.digest(this.route, ref)));
      if (held.some((value) => value === undefined)) return false;
      const appends = new Appends(this.context);
      const json = JSON.stringify(digest);
      for (const connector of new Set(connectors)) appends.add(connector, json, Date.now());
      const writes: Write[] = [...appends.writes, this.context.refs.write(), ...refs.map((ref): Write => ({ type: 'del', key: keys.digest(this.route, ref) }))];
      await writer.commit(writes, true);
      appends.committed();
      return true;
    });
  }
}
