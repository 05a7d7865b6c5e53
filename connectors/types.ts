import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Envelope } from '../src/pipeline/envelope.js';
import type { ProxySetting } from '../src/delivery/dispatcher.js';
import type { BatchOptions } from '../src/delivery/options.js';
import type { FindingStatusSets } from '../src/pipeline/lifecycle.js';

/**
 * What a connector says about each event of a batch. Connectors only classify; waiting,
 * retrying and dead-lettering are the delivery layer's job (src/delivery).
 */
export type DeliveryOutcome =
  | { readonly status: 'delivered' }
  /** Worth trying again later (network error, 5xx, 429…); `retryAfterMs` when the peer said. */
  | { readonly status: 'retry'; readonly reason: string; readonly retryAfterMs?: number; readonly response?: string }
  /**
   * The destination refused our credentials (401/403, a revoked Slack webhook…): not the event's
   * fault, so it is kept; the delivery layer pauses the connector (`auth_failed`) and probes it.
   */
  | { readonly status: 'unauthorized'; readonly reason: string; readonly response?: string }
  /** Will never succeed as is (rejected payload): dead-letter it. */
  | { readonly status: 'failed'; readonly reason: string; readonly response?: string };

/** A live destination, made by its plugin from validated config. */
export interface Connector {
  /** Delivers a batch; returns one outcome per event, in order. Never throws for a peer's answer. */
  deliver(batch: readonly Envelope[], signal: AbortSignal): Promise<DeliveryOutcome[]>;
  /** Checks that the destination answers and accepts our credentials (for `validate --check`). */
  healthcheck?(signal: AbortSignal): Promise<void>;
  /**
   * What `deliver` would send for this one event (e.g. the request body as JSON), for
   * `test-route`. Pure: sends nothing, changes nothing.
   */
  preview?(envelope: Envelope): unknown;
  close(): Promise<void>;
}

export interface ConnectorContext {
  /** The connector's name in the config. */
  readonly name: string;
  readonly logger: Logger;
  /** The effective batching (plugin defaults overridden by config); connectors enforce `maxBytes`. */
  readonly batch: BatchOptions;
  /** Durable key-value state private to this connector (e.g. Jira's finding → issue map). */
  readonly state: ConnectorState;
  /**
   * `source.base_url`: pass it to a Template's `render` (its `link` helper points there).
   * The bridge always sets it; optional so unit tests may leave it out (links render empty).
   */
  readonly baseUrl?: string;
  /** For a plugin that `speaksHttp`: its `proxy`, else the config's; absent: the environment's. */
  readonly proxy?: ProxySetting;
  /**
   * The connector's `finding_status`: which status changes close and which reopen what it
   * opened for a finding (see statusAction). @default DEFAULT_FINDING_STATUS
   */
  readonly findingStatus?: FindingStatusSets;
}

/**
 * Small durable state a connector keeps in the bridge's store, shared by every replica, so
 * what it remembers survives restarts (Jira: which issue belongs to which finding).
 */
export interface ConnectorState {
  get(key: string): Promise<string | undefined>;
  /** `ttlMs` absent: kept until deleted. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets only when absent; true when this call set it. A lock is `setIfAbsent(key, owner, ttl)`. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes; with `ifValue`, only while the key still holds it (releasing one's own lock). */
  delete(key: string, ifValue?: string): Promise<void>;
}

/**
 * One connector type: a folder under connectors/ exporting one of these, listed in
 * connectors/index.ts. `options` validates the type's own keys (beside the shared `type`,
 * `batch` and `delivery` keys that every connector has).
 */
export interface ConnectorPlugin<Options = unknown> {
  /** The value of `type:` in the config, e.g. `splunk_hec`. */
  readonly type: string;
  readonly options: z.ZodType<Options>;
  /**
   * Whether a route's `digest:` may deliver to it: one event of type `digest` whose
   * `data.events` lists the held events (see src/pipeline/digest.ts). @default false
   */
  readonly acceptsDigest?: boolean;
  /** Whether it sends HTTP requests, so that `proxy` (its own, the config's or the environment's) applies. @default false */
  readonly speaksHttp?: boolean;
  /** Batching defaults for this destination; the config may override each field. */
  readonly batchDefaults: BatchOptions;
  /**
   * Delivery settings this destination needs, applied by src/delivery unless the config's
   * `delivery` keys say otherwise (e.g. Slack: about one message per second per webhook).
   */
  readonly deliveryDefaults?: {
    /** At most `max` requests in any `perMs` window, across the connector's concurrent deliveries. */
    readonly rateLimit?: { readonly max: number; readonly perMs: number };
    /** Batches in flight at once. */
    readonly concurrency?: number;
  };
  /** The option values that are secrets, masked in every log line and error. */
  secrets(options: Options): string[];
  create(options: Options, context: ConnectorContext): Connector;
}
