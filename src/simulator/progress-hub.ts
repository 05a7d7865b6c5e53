import type { ServerResponse } from 'node:http';
import { lagNotice, type ProgressEvent } from './progress-events.js';
import { encodeComment, encodeEvent } from './sse.js';

interface Follower {
  readonly res: ServerResponse;
  /** Events still to be skipped by a simulated lag. */
  skip: number;
  /** Events skipped and not yet reported. */
  skipped: number;
}

const KEEPALIVE = encodeComment('keepalive');

/**
 * The open progress streams, by scan: each change is written to every stream of its scan, as
 * frames without `id:`; a terminal change ends them. One timer sends every stream its keepalive.
 */
export class ProgressHub {
  readonly #followers = new Map<string, Set<Follower>>();
  readonly #keepalive: NodeJS.Timeout | undefined;

  /** `keepaliveMs` 0 sends no keepalives. */
  constructor(keepaliveMs: number) {
    this.#keepalive =
      keepaliveMs > 0 ? setInterval(() => this.#each(({ res }) => res.write(KEEPALIVE)), keepaliveMs).unref() : undefined;
  }

  /** Writes the initial state, then keeps the stream live, or ends it when the scan has finished. */
  attach(scanId: string, res: ServerResponse, initial: readonly ProgressEvent[], finished: boolean): void {
    res.write(initial.map(frame).join(''));
    if (finished) {
      res.end();
      return;
    }
    const follower: Follower = { res, skip: 0, skipped: 0 };
    const followers = this.#followers.get(scanId) ?? new Set();
    this.#followers.set(scanId, followers.add(follower));
    res.once('close', () => {
      followers.delete(follower);
      if (followers.size === 0 && this.#followers.get(scanId) === followers) this.#followers.delete(scanId);
    });
  }

  /** Writes the events to the scan's streams; `last` (never skipped) ends them afterwards. */
  send(scanId: string, events: readonly ProgressEvent[], last: boolean): void {
    const followers = this.#followers.get(scanId);
    if (followers === undefined || events.length === 0) return;
    const frames = events.map(frame);
    for (const follower of followers) {
      let out = '';
      for (const text of frames) {
        if (!last && follower.skip > 0) {
          follower.skip -= 1;
          follower.skipped += 1;
          continue;
        }
        if (follower.skipped > 0) {
          out += frame(lagNotice(scanId, follower.skipped));
          follower.skipped = 0;
        }
        out += text;
      }
      if (out !== '') follower.res.write(out);
      if (last) follower.res.end();
    }
    if (last) this.#followers.delete(scanId);
  }

  /**
   * Makes the scan's open streams fall behind: each skips its next `skip` events and then gets
   * the lag notification in their place. Returns how many streams it affected.
   */
  lag(scanId: string, skip: number): number {
    const followers = this.#followers.get(scanId) ?? new Set<Follower>();
    for (const follower of followers) follower.skip += skip;
    return followers.size;
  }

  /** Cuts every stream at the socket, as a network failure would. */
  dropAll(): void {
    this.#each(({ res }) => res.destroy());
    this.#followers.clear();
  }

  close(): void {
    clearInterval(this.#keepalive);
    this.dropAll();
  }

  #each(action: (follower: Follower) => void): void {
    for (const followers of this.#followers.values()) for (const follower of followers) action(follower);
  }
}

function frame({ event, data }: ProgressEvent): string {
  return encodeEvent(event, undefined, JSON.stringify(data));
}
