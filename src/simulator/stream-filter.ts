import type { BufferedEvent } from './buffered-event.js';
import { HEARTBEAT_TYPE } from './event-types.js';
import { isRecord } from './json.js';

/** Which events a stream receives; undefined means all of them. */
export type StreamFilter = ((event: BufferedEvent) => boolean) | undefined;

/**
 * The stream's `events=a,b` and `asset_id=` query filters. Heartbeats always pass: they keep the
 * connection alive whatever it subscribes to.
 */
export function parseFilter(params: URLSearchParams): StreamFilter {
  const types = new Set(
    (params.get('events') ?? '')
      .split(',')
      .map((type) => type.trim())
      .filter((type) => type !== ''),
  );
  const assetId = params.get('asset_id') || undefined;
  if (types.size === 0 && assetId === undefined) return undefined;
  return (event) =>
    event.type === HEARTBEAT_TYPE ||
    ((types.size === 0 || types.has(event.type)) && (assetId === undefined || event.assetId === assetId));
}

/** The asset an event's data names: `asset_id`, else `asset.id`. */
export function assetIdOf(data: unknown): string | undefined {
  if (!isRecord(data)) return undefined;
  if (typeof data.asset_id === 'string') return data.asset_id;
  return isRecord(data.asset) && typeof data.asset.id === 'string' ? data.asset.id : undefined;
}
