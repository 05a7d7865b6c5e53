import type { Connector, DeliveryOutcome } from '../../connectors/types.js';
import type { Envelope } from '../../src/pipeline/envelope.js';

/** How a scripted connector answers one call. */
export type Step = (batch: readonly Envelope[], signal: AbortSignal) => DeliveryOutcome[] | Promise<DeliveryOutcome[]>;

/**
 * A connector that answers its n-th call with the n-th step (the last step repeats), and
 * records what it was sent, with which signal, and how many calls ran at once.
 */
export class ScriptedConnector implements Connector {
  /** Event ids sent in each call. */
  readonly calls: string[][] = [];
  readonly signals: AbortSignal[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly steps: readonly Step[]) {}

  async deliver(batch: readonly Envelope[], signal: AbortSignal): Promise<DeliveryOutcome[]> {
    const step = this.steps[Math.min(this.calls.length, this.steps.length - 1)]!;
    this.calls.push(batch.map((e) => e.id));
    this.signals.push(signal);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await step(batch, signal);
    } finally {
      this.inFlight -= 1;
    }
  }

  async close(): Promise<void> {}
}

export const deliverAll: Step = (batch) => batch.map(() => ({ status: 'delivered' }));

export const retryAll =
  (reason = 'HTTP 503', retryAfterMs?: number): Step =>
  (batch) =>
    batch.map(() => ({ status: 'retry', reason, ...(retryAfterMs !== undefined && { retryAfterMs }) }));

/** A step that answers only once `open()` is called (and ignores its signal, like a stuck peer). */
export function gated(then: Step = deliverAll): { step: Step; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { step: async (batch, signal) => opened.then(() => then(batch, signal)), open };
}
