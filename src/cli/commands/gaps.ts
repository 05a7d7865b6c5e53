import { loadConfig } from '../../config/load.js';
import type { Gap } from '../../observability/gaps.js';
import { withOperations } from '../operations.js';
import { formatTable } from '../table.js';

export interface GapsOptions {
  readonly config: string;
  readonly json?: boolean;
  /** Ask the bridge running there (with server.token) instead of opening the store. */
  readonly endpoint?: string;
}

export interface GapsAckOptions extends GapsOptions {
  /** Only these subscriptions' gaps; all when absent. */
  readonly subscription?: readonly string[];
}

/** `gaps list`: the open gaps, times when events may have been missed. */
export async function gapsListCommand(options: GapsOptions): Promise<void> {
  const config = loadConfig(options.config);
  const gaps = await withOperations(config, options.endpoint, (operations) => operations.gaps());
  if (options.json) console.log(JSON.stringify({ gaps }, null, 2));
  else console.log(gaps.length === 0 ? 'no open gap' : `${gapTable(gaps)}\n${gaps.length} open gap${gaps.length === 1 ? '' : 's'}: \`s4e-bridge gaps ack\` once dealt with`);
}

/** `gaps ack`: the operator has dealt with the gaps (or accepts them): they close. */
export async function gapsAckCommand(options: GapsAckOptions): Promise<void> {
  const config = loadConfig(options.config);
  const names = config.subscriptions.map((s) => s.name);
  const unknown = (options.subscription ?? []).filter((s) => !names.includes(s));
  if (unknown.length > 0) throw new Error(`no subscription named ${unknown.map((s) => `"${s}"`).join(', ')} in ${options.config}; declared: ${names.join(', ')}`);
  const closed = await withOperations(config, options.endpoint, (operations) => operations.acknowledgeGaps(options.subscription));
  if (options.json) console.log(JSON.stringify({ acknowledged: closed }));
  else console.log(closed.length === 0 ? 'no open gap to acknowledge' : `${gapTable(closed)}\nacknowledged ${closed.length} gap${closed.length === 1 ? '' : 's'}`);
}

/** The gaps as rows, times in UTC; shared with `status`. */
export function gapTable(gaps: readonly Gap[]): string {
  const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return formatTable([['GAP', 'MISSED FROM', 'MISSED UNTIL', 'BACKFILL'], ...gaps.map((g) => [g.subscription, at(g.from), at(g.until), g.backfill])]);
}
