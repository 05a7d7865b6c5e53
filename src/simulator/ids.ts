import { randomBytes } from 'node:crypto';

/**
 * Event ids: `evt-<counter>-<instance tag>`, heartbeats `evt-hb-<counter>-<instance tag>`. One
 * counter for both keeps every id unique for the simulator's life; the random tag, drawn once per
 * instance, makes an id saved from an earlier run (the demo restarts) unknown to a new one.
 */
export function createIdFactory(): (heartbeat: boolean) => string {
  const tag = randomBytes(3).toString('hex');
  let counter = 0;
  return (heartbeat) => {
    counter += 1;
    return `${heartbeat ? 'evt-hb-' : 'evt-'}${counter.toString(16).padStart(8, '0')}-${tag}`;
  };
}
