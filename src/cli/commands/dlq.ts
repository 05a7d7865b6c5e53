import { loadConfig } from '../../config/load.js';
import type { Operations } from '../../ops/operations.js';
import type { DeadLetter } from '../../store/types.js';
import { EXIT } from '../exit.js';
import { withOperations } from '../operations.js';

/** The dead-letter workflow: see why events failed, then replay them once the cause is fixed, or drop them. */
export interface DlqOptions {
  readonly config: string;
  /** One connector's dead letters; every connector of the config when absent. */
  readonly connector?: string;
  /** JSON on stdout, for scripts. */
  readonly json?: boolean;
  /** Ask the bridge running there (with server.token) instead of opening the store. */
  readonly endpoint?: string;
}

export interface DlqListOptions extends DlqOptions {
  /** Newest dead letters shown, across the selected connectors. */
  readonly limit: number;
}

export interface DlqChangeOptions extends DlqOptions {
  /** Dead letter refs (the REF column of `dlq list`); all of the selected connectors' when absent. */
  readonly id?: readonly string[];
  /** `drop` removes everything only when asked in so many words. */
  readonly all?: boolean;
}

/** The longest reason a table row shows; `--json` has it whole. */
const REASON_WIDTH = 80;

/** `dlq list`: the newest dead letters with why they failed, and how many each connector has. */
export async function dlqListCommand(options: DlqListOptions): Promise<void> {
  await withDeadLetters(options, async (operations, connectors) => {
    const { counts, deadLetters } = await operations.listDeadLetters(connectors, options.limit);
    if (options.json) {
      console.log(JSON.stringify({ counts, deadLetters }, null, 2));
      return;
    }
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    if (deadLetters.length > 0) console.log(table(deadLetters));
    const perConnector = Object.entries(counts).map(([connector, n]) => `${connector} ${n}`).join(', ');
    console.log(`${total} dead letter${total === 1 ? '' : 's'} (${perConnector})${total > deadLetters.length ? `, ${deadLetters.length} newest shown` : ''}`);
  });
}

/** `dlq replay`: moves dead letters back into their outboxes, to be delivered again. */
export async function dlqReplayCommand(options: DlqChangeOptions): Promise<void> {
  await changeDeadLetters(options, 'replayed', (operations, selection) => operations.replayDeadLetters(selection));
}

/** `dlq drop`: removes dead letters for good. */
export async function dlqDropCommand(options: DlqChangeOptions): Promise<void> {
  if (!options.id && !options.connector && !options.all) {
    throw new Error('dlq drop removes dead letters for good: name them with --id, or a connector with --connector, or pass --all');
  }
  await changeDeadLetters(options, 'dropped', (operations, selection) => operations.dropDeadLetters(selection));
}

async function changeDeadLetters(
  options: DlqChangeOptions,
  verb: 'replayed' | 'dropped',
  change: (operations: Operations, selection: { connectors: readonly string[]; refs?: readonly string[] }) => Promise<Record<string, number>>,
): Promise<void> {
  const refs = options.id && [...new Set(options.id)];
  await withDeadLetters(options, async (operations, connectors) => {
    // A ref is a stream id, unique within one connector's dead letters only.
    if (refs && connectors.length > 1) throw new Error('dead letter ids are per connector: add --connector NAME');
    const done = await change(operations, { connectors, ...(refs && { refs }) });
    const total = Object.values(done).reduce((sum, n) => sum + n, 0);
    if (options.json) console.log(JSON.stringify({ [verb]: done, total }));
    else console.log([...Object.entries(done).map(([c, n]) => `${c}: ${verb} ${n}`), `${verb} ${total} dead letter${total === 1 ? '' : 's'}`].join('\n'));
    if (refs && total < refs.length) {
      console.error(`${refs.length - total} of the ${refs.length} ids named were not found (already ${verb}, or a typo?)`);
      process.exitCode = EXIT.failure;
    }
  });
}

/**
 * Loads the config and hands over the operations on its store (the store itself, or the running
 * bridge that holds it: see withOperations) with the selected connectors.
 */
async function withDeadLetters(options: DlqOptions, use: (operations: Operations, connectors: readonly string[]) => Promise<void>): Promise<void> {
  const config = loadConfig(options.config);
  const names = config.connectors.map((c) => c.name);
  if (options.connector !== undefined && !names.includes(options.connector)) {
    throw new Error(`no connector named "${options.connector}" in ${options.config}; declared: ${names.join(', ')}`);
  }
  await withOperations(config, options.endpoint, (operations) => use(operations, options.connector === undefined ? names : [options.connector]));
}

function table(letters: readonly DeadLetter[]): string {
  const rows = [
    ['REF', 'DEAD AT', 'CONNECTOR', 'EVENT', 'TYPE', 'ATTEMPTS', 'REASON'],
    ...letters.map((d) => [
      d.ref,
      new Date(d.deadAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      d.connector,
      d.envelope.id,
      d.envelope.type,
      String(d.attempts),
      oneLine(d.reason, REASON_WIDTH),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
