import { formatTable } from '../cli/table.js';

export interface DemoSummary {
  readonly seconds: number;
  /** Events (not heartbeats) the simulator published. */
  readonly published: number;
  /** Events (not heartbeats) the bridge made durable. */
  readonly received: number;
  readonly connectors: readonly {
    readonly connector: string;
    /** Events its routes gave it. */
    readonly routed: number;
    readonly delivered: number;
    readonly deadLettered: number;
    /** In its outbox when the bridge stopped (the demo's next run starts afresh without them). */
    readonly queued: number;
    /** What its local receiver holds, and what that counts. */
    readonly atReceiver: number;
    readonly unit: string;
  }[];
}

/**
 * The demo's last words: what was published, received, and per connector delivered,
 * dead-lettered or still queued, checked against what its routes gave it, so that a run
 * shows that nothing went missing (or exactly where it did).
 */
export function renderDemoSummary(s: DemoSummary): string {
  const unreceived = s.published - s.received;
  const table = formatTable([
    ['CONNECTOR', 'ROUTED', 'DELIVERED', 'DEAD-LETTERED', 'STILL QUEUED', 'AT THE RECEIVER'],
    ...s.connectors.map((c) => [c.connector, String(c.routed), String(c.delivered), String(c.deadLettered), String(c.queued), `${c.atReceiver} ${c.unit}`]),
  ]);
  const unaccounted = s.connectors.filter((c) => c.delivered + c.deadLettered + c.queued !== c.routed);
  const verdict =
    unaccounted.length === 0
      ? 'every routed event is delivered, dead-lettered or still queued'
      : `NOT ACCOUNTED FOR: ${unaccounted.map((c) => `${c.connector} (routed ${c.routed}, delivered + dead-lettered + queued ${c.delivered + c.deadLettered + c.queued})`).join(', ')}`;
  return [
    `demo summary after ${s.seconds} s:`,
    `  published by the simulator  ${s.published} events`,
    `  received by the bridge      ${s.received}${unreceived > 0 ? ` (${unreceived} still on their way when it stopped)` : ''}`,
    '',
    ...table.split('\n').map((line) => `  ${line}`),
    '',
    `  ${verdict}`,
  ].join('\n');
}
