import type { BridgeStats } from '../observability/stats.js';
import { SEVERITIES } from '../pipeline/severity.js';

export interface DemoScreen {
  readonly stats: BridgeStats;
  readonly published: number;
  readonly received: number;
  readonly deadLetters: number;
  readonly tty: boolean;
}

/** The demo's live view: a small table on a terminal, one line per refresh otherwise. */
export function renderDemoScreen({ stats, published, received, deadLetters, tty }: DemoScreen): string {
  const seconds = Math.max(1, (Date.now() - stats.startedAt) / 1000);
  const rate = Math.round(stats.totalReceived / seconds);
  const summary = `published ${published}  received ${stats.totalReceived} (${rate}/s)  delivered ${stats.totalDelivered}  at HEC ${received}  dead-lettered ${deadLetters}  malformed ${stats.malformed}  duplicates ${stats.duplicates}`;
  if (!tty) return `${new Date().toISOString()} ${summary}`;
  const byType = [...stats.receivedByType.entries()].sort(([a], [b]) => a.localeCompare(b));
  const bySeverity = SEVERITIES.map((s) => `${s} ${stats.receivedBySeverity.get(s) ?? 0}`).join('  ');
  return [
    summary,
    `  by severity: ${bySeverity}`,
    ...byType.map(([type, n]) => `  ${type.padEnd(24)} ${String(n).padStart(8)}`),
  ].join('\n');
}
