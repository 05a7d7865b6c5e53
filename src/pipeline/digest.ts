import type { RouteConfig } from '../config/rules.js';
import type { Logger } from '../observability/logger.js';
import type { BufferedEvent, Store } from '../store/types.js';
import type { Envelope } from './envelope.js';
import { severityRank } from './severity.js';
import { eventView } from './view.js';

/** How often held events are checked for a window that has passed. */
const DEFAULT_TICK_MS = 1_000;
/** Bounds one flush pass when replicas keep racing for the same buffer. */
const MAX_ROUNDS = 100;

/** The type of the event a digest route delivers (it goes to connectors, never through the routes). */
export const DIGEST_TYPE = 'digest';

type DigestRoute = RouteConfig & { readonly digest: NonNullable<RouteConfig['digest']> };

/**
 * One `digest` event listing the held events (as templates and conditions see them), with the
 * highest severity among them. Its id comes from the first held entry: unique per digest.
 */
export function digestEnvelope(route: string, held: readonly BufferedEvent[], now: number): Envelope {
  const events = held.map((h) => h.envelope);
  const severity = events.reduce<string | undefined>((top, e) => ((severityRank(e.severity) ?? -1) > (severityRank(top) ?? -1) ? e.severity : top), undefined);
  const times = events.map((e) => e.time ?? e.receivedAt);
  return {
    id: `digest:${route}:${held[0]!.ref}`,
    type: DIGEST_TYPE,
    subscription: events[0]!.subscription,
    receivedAt: now,
    ...(severity !== undefined && { severity }),
    data: {
      route,
      count: events.length,
      first_at: new Date(Math.min(...times)).toISOString(),
      last_at: new Date(Math.max(...times)).toISOString(),
      events: events.map(eventView),
    },
  };
}

export interface DigestFlusherOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly tickMs?: number;
  readonly now?: () => number;
}

/**
 * Empties digest buffers into outboxes: a buffer is flushed once its oldest event is a window
 * old, or as soon as it holds `max_events`. Held events stay in the store until the flush
 * moves them, in one atomic step, as one digest into the outboxes: a crash loses nothing, and
 * replicas flushing the same buffer deliver each digest once.
 */
export class DigestFlusher {
  readonly #options: DigestFlusherOptions;
  readonly #now: () => number;
  #routes: readonly DigestRoute[] = [];
  /** Flushes of one route run one after another. */
  readonly #running = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: DigestFlusherOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The digest routes to serve (at start and on reload). Buffers of routes no longer there
   * are flushed at once under their old settings, so what they held is delivered.
   */
  setRoutes(routes: readonly RouteConfig[]): void {
    const next = routes.filter((r): r is DigestRoute => r.digest !== undefined);
    const kept = new Set(next.map((r) => r.name));
    for (const old of this.#routes) if (!kept.has(old.name)) this.#schedule(old, true);
    this.#routes = next;
  }

  start(): void {
    this.#timer = setInterval(() => {
      for (const route of this.#routes) this.#schedule(route, false);
    }, this.#options.tickMs ?? DEFAULT_TICK_MS);
    this.#timer.unref();
  }

  /** After an ingest added to these routes' buffers: flushes the full ones now. */
  added(routes: readonly string[]): void {
    for (const route of this.#routes) if (routes.includes(route.name)) this.#schedule(route, false);
  }

  /** Stops the timer and waits for flushes under way; what is held stays in the store. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.#running.values());
  }

  #schedule(route: DigestRoute, force: boolean): void {
    const previous = this.#running.get(route.name) ?? Promise.resolve();
    const run = previous
      .then(() => this.#flush(route, force))
      .catch((error: unknown) => this.#options.logger.warn({ route: route.name, err: (error as Error).message }, 'digest flush failed; retried on the next tick'))
      .finally(() => {
        if (this.#running.get(route.name) === run) this.#running.delete(route.name);
      });
    this.#running.set(route.name, run);
  }

  async #flush(route: DigestRoute, force: boolean): Promise<void> {
    const buffer = this.#options.store.digest(route.name);
    const { maxEvents, windowMs } = route.digest;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const held = await buffer.peek(maxEvents);
      if (held.length === 0) return;
      const full = held.length >= maxEvents;
      const now = this.#now();
      if (!full && !force && now - held[0]!.envelope.receivedAt < windowMs) return;
      const flushed = await buffer.flush(
        held.map((h) => h.ref),
        digestEnvelope(route.name, held, now),
        route.to,
      );
      if (flushed) this.#options.logger.debug({ route: route.name, events: held.length, to: route.to }, 'digest flushed');
      // Not flushed: another replica took some of them first; look again.
      if (flushed && !full) return;
    }
  }
}
