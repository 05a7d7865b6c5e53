/** How a simulated S4E platform behaves. Every field is optional. */
export interface SimulatorOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** API keys the stream accepts. @default ['sim-key'] */
  readonly apiKeys?: readonly string[];
  /** Concurrent stream connections allowed (the tier limit); beyond it: 429. @default 5 (Standard) */
  readonly maxConnections?: number;
  /** Generated events per second across all types; 0 generates none. @default 0 */
  readonly rate?: number;
  /**
   * Event types to generate, weighted as a real stream is (many finding.new and scan.progress,
   * few system.alert). @default all 11 non-heartbeat types
   */
  readonly types?: readonly string[];
  /** Heartbeat period; 0 sends none. @default 30000 */
  readonly heartbeatIntervalMs?: number;
  /** How long events stay replayable by `Last-Event-ID`. @default 300000 (5 minutes) */
  readonly replayWindowMs?: number;
  /**
   * Most events the replay buffer holds, whatever their age (about 0.7 KB each). The platform
   * documents no such cap; without one, five minutes at 50,000 events/s would be 15 million events.
   * @default 250000
   */
  readonly replayMaxEvents?: number;
  /** `retry:` sent first on every stream; 0 sends none. @default 3000 */
  readonly retryMs?: number;
  /** Seeds generation so the same seed yields the same events (timestamps and ids aside). */
  readonly seed?: number;
}

export interface InjectedEvent {
  readonly type: string;
  /** Serialized as JSON, except a string, which is sent verbatim as `data:` (for malformed-payload tests). */
  readonly data: unknown;
  /** Defaults to a fresh unique id; a given id is used as is. */
  readonly id?: string;
}

export interface SimulatorStats {
  /** Event frames written to streams, summed over connections (replays and heartbeats included). */
  readonly sent: number;
  readonly sentByType: Record<string, number>;
  /** Open stream connections now. */
  readonly connections: number;
  /** Peak concurrent stream connections. */
  readonly maxConnections: number;
  readonly rejected: { readonly unauthorized: number; readonly tooMany: number };
  /** `Last-Event-ID` each accepted connection presented, in connection order. */
  readonly lastEventIds: string[];
}

export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:43210`. */
  readonly url: string;
  /** Publishes now (to the replay buffer and live streams); returns the ids. */
  inject(events: readonly InjectedEvent[]): string[];
  /** Publishes `count` generated events now, all of `type` when given. */
  generate(count: number, type?: string): string[];
  /** Cuts every open stream, as a network failure would. */
  dropConnections(): void;
  stats(): SimulatorStats;
  /** Ids of every non-heartbeat event published so far, in order. */
  published(): readonly string[];
  /** Ends every stream and stops the server. */
  close(): Promise<void>;
}
