import type { MetricsSummary } from '../observability/metrics.js';
import { SEVERITIES } from '../pipeline/severity.js';

export interface DemoScreen {
  readonly summary: MetricsSummary;
  /** When the bridge started, epoch ms, for the rate. */
  readonly startedAt: number;
  /** Events (not heartbeats) the simulator published. */
  readonly published: number;
  /** Per connector: what its local receiver holds (Jira: issues) and its dead letters. */
  readonly connectors: readonly { readonly connector: string; readonly received: number; readonly deadLetters: number }[];
  readonly tty: boolean;
}

/** The demo's live view: a small table on a terminal, one line per refresh otherwise. */
export function renderDemoScreen({ summary, startedAt, published, connectors, tty }: DemoScreen): string {
  const seconds = Math.max(1, (Date.now() - startedAt) / 1000);
  const received = eventsReceived(summary);
  const rate = Math.round(received / seconds);
  const line = `published ${published}  received ${received} (${rate}/s)  delivered ${summary.delivered}  dead-lettered ${summary.deadLettered}  malformed ${summary.malformed}  duplicates ${summary.duplicates}`;
  const sinks = connectors.map((c) => `${c.connector} ${c.received}${c.deadLetters > 0 ? ` (${c.deadLetters} dead)` : ''}`).join('  ');
  if (!tty) return `${new Date().toISOString()} ${line}  | at receivers: ${sinks}`;
  const byType = [...summary.receivedByType.entries()].sort(([a], [b]) => a.localeCompare(b));
  const bySeverity = SEVERITIES.map((s) => `${s} ${summary.receivedBySeverity.get(s) ?? 0}`).join('  ');
  return [
    line,
    `  at receivers: ${sinks}   (jira: issues)`,
    `  by severity: ${bySeverity}`,
    ...byType.map(([type, n]) => `  ${type.padEnd(24)} ${String(n).padStart(8)}`),
  ].join('\n');
}

/** Received events, heartbeats aside: the simulator does not count those as published. */
export function eventsReceived(summary: MetricsSummary): number {
  return summary.received - (summary.receivedByType.get('heartbeat') ?? 0);
}
