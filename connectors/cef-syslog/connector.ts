import type { Connector, DeliveryOutcome } from '../types.js';
import type { Envelope } from '../../src/pipeline/envelope.js';
import { networkFailure } from '../../src/delivery/classify.js';
import type { CefSyslogEncoder } from './encoder.js';
import type { SyslogTransport } from './transport.js';

export interface CefSyslogConnectorParts {
  readonly transport: SyslogTransport;
  readonly encode: CefSyslogEncoder;
}

const DELIVERED: DeliveryOutcome = { status: 'delivered' };

/**
 * Delivers batches as CEF over syslog: the records the transport wrote are delivered, the
 * others retried (a receiver that is down or refuses us may come back; syslog never rejects
 * a record, so nothing here is a permanent failure).
 */
export class CefSyslogConnector implements Connector {
  constructor(private readonly parts: CefSyslogConnectorParts) {}

  async deliver(batch: readonly Envelope[], signal: AbortSignal): Promise<DeliveryOutcome[]> {
    const { written, error } = await this.parts.transport.send(batch.map(this.parts.encode), signal);
    if (written >= batch.length) return batch.map(() => DELIVERED);
    const retry = networkFailure(error);
    return batch.map((_, i) => (i < written ? DELIVERED : retry));
  }

  /** The syslog message this event becomes (before framing). */
  preview(envelope: Envelope): string {
    return this.parts.encode(envelope);
  }

  healthcheck(signal: AbortSignal): Promise<void> {
    return this.parts.transport.check(signal);
  }

  close(): Promise<void> {
    return this.parts.transport.close();
  }
}
