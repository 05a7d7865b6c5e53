import { Backoff, sleep } from '../backoff.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { createRedactor, redactUrl, type Redactor } from '../observability/redact.js';
import { Connection } from './connection.js';
import { describeError, type ConnectionEnd } from './errors.js';
import { SHARED_READ_BUDGET } from './read-budget.js';
import { createTransport, type Transport } from './transport.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_BUFFERED,
  type SseSubscriptionOptions,
  type SubscriptionState,
} from './types.js';
import { streamHeaders, streamUrl } from './url.js';

/**
 * One resilient subscription to the platform's event stream: connects, resumes from the
 * caller's durable checkpoint on every connection, and reconnects until stopped, unless the
 * platform rejects the API key.
 *
 * Waits between attempts: a lost stream waits the server's `retry:` (the last value it sent),
 * or the backoff if that is longer, so repeated losses still slow down; a refused response waits
 * its Retry-After, else the backoff; our own failures (resumeFrom, onEvents) wait the backoff.
 * The backoff starts over after a healthy connection (see Connection.healthy).
 */
export class SseSubscription {
  readonly #o: SseSubscriptionOptions;
  readonly #log: Logger;
  readonly #redact: Redactor;
  readonly #url: URL;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #transport: Transport;
  readonly #backoff: Backoff;
  readonly #stopping = new AbortController();
  #state: SubscriptionState = { state: 'stopped', reason: 'not started', fatal: false };
  #running: Promise<void> | undefined;
  #connection: Connection | undefined;
  #attempt = 0;
  #serverRetryMs: number | undefined;
  /** A terminal event was taken: the stream is over for good. */
  #finished = false;

  constructor(options: SseSubscriptionOptions) {
    this.#o = options;
    this.#log = (options.logger ?? silentLogger).child({ subscription: options.name });
    this.#redact = createRedactor([options.apiKey]);
    this.#url = streamUrl(options);
    this.#headers = streamHeaders(options);
    this.#transport = createTransport(options);
    this.#backoff = new Backoff(options.reconnect, options.random);
  }

  get state(): SubscriptionState {
    return this.#state;
  }

  /** Starts connecting; a subscription runs once (after stop() it stays stopped). */
  start(): void {
    if (this.#running || this.#stopping.signal.aborted) return;
    this.#running = this.#run();
  }

  /** Closes the connection; resolves once any onEvents call in flight has settled. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#connection?.close();
    await this.#running;
    await this.#transport.close();
    if (this.#state.state !== 'stopped') this.#setState({ state: 'stopped', reason: 'stopped', fatal: false });
  }

  async #run(): Promise<void> {
    while (!this.#stopping.signal.aborted) {
      this.#setState({ state: 'connecting', attempt: ++this.#attempt });
      const { end, healthy } = await this.#connectOnce();
      if (this.#stopping.signal.aborted) return;
      if (this.#finished) {
        this.#setState({ state: 'stopped', reason: 'finished', fatal: false });
        return;
      }
      if (end.kind === 'fatal') {
        this.#setState({ state: 'stopped', reason: this.#redact(end.reason), fatal: true });
        return;
      }
      if (healthy) this.#backoff.reset();
      const delayMs = this.#delay(end);
      this.#setState({ state: 'reconnecting', reason: this.#redact(end.reason), delayMs });
      await sleep(delayMs, this.#stopping.signal).catch(() => undefined);
    }
  }

  async #connectOnce(): Promise<{ end: ConnectionEnd; healthy: boolean }> {
    let lastEventId: string | undefined;
    try {
      lastEventId = await this.#o.resumeFrom();
    } catch (error) {
      return { end: { kind: 'failed', reason: `resumeFrom failed: ${describeError(error)}` }, healthy: false };
    }
    if (this.#stopping.signal.aborted) return { end: { kind: 'stopped', reason: 'stopped' }, healthy: false };
    const connection = new Connection({
      url: this.#url,
      headers: this.#headers,
      fetch: this.#transport.fetch,
      connectTimeoutMs: this.#o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      heartbeatTimeoutMs: this.#o.heartbeatTimeoutMs,
      maxBuffered: this.#o.maxBuffered ?? DEFAULT_MAX_BUFFERED,
      readBudget: this.#o.readBudget ?? SHARED_READ_BUDGET,
      notFound: this.#o.notFound,
      onEvents: async (batch) => {
        await this.#o.onEvents(batch);
        const { isTerminal } = this.#o;
        if (isTerminal && batch.some((event) => isTerminal(event))) {
          this.#finished = true;
          connection.close();
        }
      },
      onOpen: () => {
        this.#attempt = 0;
        this.#setState({ state: 'connected', ...(lastEventId !== undefined && { lastEventId }) });
      },
      onRetry: (ms) => (this.#serverRetryMs = ms),
    });
    this.#connection = connection;
    const end = await connection.run(lastEventId);
    this.#connection = undefined;
    return { end, healthy: connection.healthy };
  }

  #delay(end: ConnectionEnd): number {
    // The server's `retry:` and Retry-After win over the backoff, up to a bound: a hostile or
    // broken value (`retry: 2000000000`, 23 days) must not stop the subscription for good.
    const bound = Math.max(this.#o.reconnect.maxDelayMs, MAX_SERVER_DELAY_MS);
    switch (end.kind) {
      case 'dropped':
        return Math.min(Math.max(this.#serverRetryMs ?? 0, this.#backoff.next()), bound);
      case 'rejected':
        return Math.min(end.retryAfterMs ?? this.#backoff.next(), bound);
      default:
        return this.#backoff.next();
    }
  }

  #setState(state: SubscriptionState): void {
    this.#state = state;
    this.#logState(state);
    try {
      this.#o.onState?.(state);
    } catch (error) {
      this.#log.warn({ err: this.#redact(describeError(error)) }, 'onState threw');
    }
  }

  #logState(state: SubscriptionState): void {
    switch (state.state) {
      case 'connecting':
        // The first try names where at info; the retries of an outage are the reconnecting lines.
        if (state.attempt === 1) return this.#log.info({ url: redactUrl(this.#url) }, 'connecting to the event stream');
        return this.#log.debug({ attempt: state.attempt, url: redactUrl(this.#url) }, 'connecting to the event stream');
      case 'connected':
        return this.#log.info({ url: redactUrl(this.#url), lastEventId: state.lastEventId }, 'event stream connected');
      case 'reconnecting':
        return this.#log.warn({ reason: state.reason, delayMs: state.delayMs }, 'reconnecting to the event stream');
      case 'stopped':
        if (state.fatal) return this.#log.error(state.reason);
        return this.#log.info({ reason: state.reason }, 'event stream stopped');
    }
  }
}

/** Longest wait a server may ask for (`retry:`, Retry-After) beyond `reconnect.max_delay`, ms. */
export const MAX_SERVER_DELAY_MS = 60_000;
