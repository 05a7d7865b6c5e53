import type { Scan, ScanStatus, StartScanOptions } from './scan-types.js';

/** How a simulated S4E platform behaves. Every field is optional. */
export interface SimulatorOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** API keys the stream accepts. @default ['sim-key'] */
  readonly apiKeys?: readonly string[];
  /**
   * Concurrent SSE connections allowed (the tier limit), event stream and progress streams
   * together; beyond it: 429. @default 5 (Standard)
   */
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
  /** How long a scan runs, from start to completion, unless `startScan` says otherwise. @default 60000 */
  readonly scanDurationMs?: number;
  /** How long a scan is queued before it runs, unless `startScan` says otherwise. @default 1000 */
  readonly scanQueueMs?: number;
  /** Starts a scan on a random asset this often; 0 starts none by itself. @default 0 */
  readonly scanIntervalMs?: number;
  /** Period of the progress streams' `: keepalive` comments; 0 sends none. @default 15000 */
  readonly progressKeepaliveMs?: number;
  /** Scans API requests allowed per `apiRateWindowMs`, beyond which: 429; 0 is unlimited. @default 0 */
  readonly apiRateLimit?: number;
  /** The window `apiRateLimit` counts in. @default 60000 */
  readonly apiRateWindowMs?: number;
  /**
   * Send fields the documents do not list, an assumption about the platform (see
   * generator.ts): `timestamp` on every event, a finding's CVSS, CVE, scan and URL, its fields
   * on its status changes, `severity` on system alerts; in the Scans API, a finding's CVE and URL
   * and a failed scan's `error`. @default false: the documented fields only
   */
  readonly assumedFields?: boolean;
}

export interface InjectedEvent {
  readonly type: string;
  /** Serialized as JSON, except a string, which is sent verbatim as `data:` (for malformed-payload tests). */
  readonly data: unknown;
  /** Defaults to a fresh unique id; a given id is used as is. */
  readonly id?: string;
  /** The asset it is about, for the stream's `asset_id` filter; default: the data's `asset_id`, else `asset.id`. */
  readonly assetId?: string;
}

export interface SimulatorStats {
  /** Event frames written to event streams, summed over connections (replays and heartbeats included; progress streams not). */
  readonly sent: number;
  readonly sentByType: Record<string, number>;
  /** Open SSE connections now: event streams and progress streams, as the tier limit counts them. */
  readonly connections: number;
  /** Of `connections`, the scan progress streams. */
  readonly progressConnections: number;
  /** Peak concurrent SSE connections, progress streams included. */
  readonly maxConnections: number;
  readonly rejected: { readonly unauthorized: number; readonly tooMany: number };
  /** `Last-Event-ID` each accepted connection presented, in connection order. */
  readonly lastEventIds: string[];
  /** Scans by status. */
  readonly scans: Record<ScanStatus, number>;
  /** Scans API answers by HTTP status, e.g. `{"200": 12, "429": 1}`. */
  readonly apiRequests: Record<string, number>;
}

export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:43210`. */
  readonly url: string;
  /** Publishes now (to the replay buffer and live streams); returns the ids. */
  inject(events: readonly InjectedEvent[]): string[];
  /** Publishes `count` generated events now, all of `type` when given. */
  generate(count: number, type?: string): string[];
  /** Cuts every open stream, progress streams too, as a network failure would. */
  dropConnections(): void;
  stats(): SimulatorStats;
  /** Ids of every non-heartbeat event published so far, in order. */
  published(): readonly string[];
  /**
   * Starts a scan now: queued, then running through its stages, discovering its findings, then
   * completed; returns its id. Its scan.* and finding.new events, progress stream and Scans API
   * entry agree. @throws RangeError for an invalid option
   */
  startScan(options?: StartScanOptions): string;
  /** Every scan so far, oldest first; a copy. */
  scans(): Scan[];
  /** Completes a queued or running scan now, discovering its remaining findings first. @throws for an unknown or finished scan */
  completeScan(id: string): void;
  /** Fails a queued or running scan now, with `error` or a random reason. @throws for an unknown or finished scan */
  failScan(id: string, error?: string): void;
  /**
   * Moves a finding (of a scan, or one the generator reported) to `status`, as a person triaging
   * it would: the Scans API's results show it, and a `finding.status_changed` is published;
   * returns that event's id. @throws RangeError for a finding the simulator does not know
   */
  setFindingStatus(id: string, status: string): string;
  /** Ends every stream and stops the server. */
  close(): Promise<void>;
}
