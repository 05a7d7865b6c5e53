import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Envelope } from '../src/pipeline/envelope.js';
import type { BatchOptions } from '../src/delivery/options.js';

/**
 * What a connector says about each event of a batch. Connectors only classify; waiting,
 * retrying and dead-lettering are the delivery layer's job (src/delivery).
 */
export type DeliveryOutcome =
  | { readonly status: 'delivered' }
  /** Worth trying again later (network error, 5xx, 429…); `retryAfterMs` when the peer said. */
  | { readonly status: 'retry'; readonly reason: string; readonly retryAfterMs?: number; readonly response?: string }
  /** Will never succeed as is (bad token, rejected payload): dead-letter it. */
  | { readonly status: 'failed'; readonly reason: string; readonly response?: string };

/** A live destination, made by its plugin from validated config. */
export interface Connector {
  /** Delivers a batch; returns one outcome per event, in order. Never throws for a peer's answer. */
  deliver(batch: readonly Envelope[], signal: AbortSignal): Promise<DeliveryOutcome[]>;
  /** Checks that the destination answers and accepts our credentials (for `validate --check`). */
  healthcheck?(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectorContext {
  /** The connector's name in the config. */
  readonly name: string;
  readonly logger: Logger;
  /** The effective batching (plugin defaults overridden by config); connectors enforce `maxBytes`. */
  readonly batch: BatchOptions;
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
  /** Batching defaults for this destination; the config may override each field. */
  readonly batchDefaults: BatchOptions;
  /** The option values that are secrets, masked in every log line and error. */
  secrets(options: Options): string[];
  create(options: Options, context: ConnectorContext): Connector;
}
