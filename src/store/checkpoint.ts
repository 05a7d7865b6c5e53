import type { Checkpoint, IngestItem } from './types.js';

/**
 * The checkpoint a batch leaves: its last item that has an id. An event without an id does
 * not move SSE's last-event-id either; undefined when no item has one (the checkpoint stays).
 */
export function lastCheckpoint(items: readonly IngestItem[]): Checkpoint | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    const { id, receivedAt } = item.kind === 'event' ? item.envelope : item.event;
    if (id !== '') return { id, at: receivedAt };
  }
  return undefined;
}
