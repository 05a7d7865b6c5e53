import { randomBytes } from 'node:crypto';

/**
 * A random tag drawn once per simulator instance and put in every id it issues, so an id saved
 * from an earlier run (the demo restarts; a bridge keeps a seen-set in Redis) is unknown to a new one.
 */
export function instanceTag(): string {
  return randomBytes(3).toString('hex');
}

/**
 * Event ids: `evt-<counter>-<tag>`, heartbeats `evt-hb-<counter>-<tag>`. One counter for both
 * keeps every id unique for the simulator's life.
 */
export function createIdFactory(tag: string): (heartbeat: boolean) => string {
  let counter = 0;
  return (heartbeat) => {
    counter += 1;
    return `${heartbeat ? 'evt-hb-' : 'evt-'}${counter.toString(16).padStart(8, '0')}-${tag}`;
  };
}

/**
 * Ids of scans (`sc-…`) and findings (`f-…`): `<prefix><counter>-<tag>`. They never collide with
 * the generator's free-standing `sc-4xxxx` and `f-nnnnn`, which name no scan the Scans API knows.
 */
export function createSequence(prefix: string, tag: string): () => string {
  let counter = 0;
  return () => `${prefix}${++counter}-${tag}`;
}
