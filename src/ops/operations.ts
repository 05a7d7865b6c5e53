import { GapLog, type Gap } from '../observability/gaps.js';
import type { DeadLetter, Store } from '../store/types.js';

/** Dead letters of some connectors: the newest, and how many each holds. */
export interface DeadLetterListing {
  readonly counts: Readonly<Record<string, number>>;
  /** Newest first, across the connectors asked for. */
  readonly deadLetters: readonly DeadLetter[];
}

/** Which dead letters: every one of `connectors`' (all connectors when absent), or only `refs` (store ids, unique within one connector). */
export interface DeadLetterSelection {
  readonly connectors?: readonly string[];
  readonly refs?: readonly string[];
}

/** An operation refused for what it was asked (an unknown connector…): the caller's to fix. */
export class OperationError extends Error {
  override readonly name = 'OperationError';
}

/**
 * What an operator does to a bridge's store besides reading its figures: dead letters and
 * gaps. The same whether the CLI holds the store itself or asks the running bridge that holds
 * it (src/ops/client.ts), so each command has one code path.
 */
export interface Operations {
  /** The newest `limit` dead letters of `connectors` (all when absent). */
  listDeadLetters(connectors: readonly string[] | undefined, limit: number): Promise<DeadLetterListing>;
  /** Moves dead letters back into their outboxes; how many, per connector. */
  replayDeadLetters(selection: DeadLetterSelection): Promise<Record<string, number>>;
  /** Removes dead letters for good; how many, per connector. */
  dropDeadLetters(selection: DeadLetterSelection): Promise<Record<string, number>>;
  gaps(): Promise<Gap[]>;
  /** Closes the open gaps of `subscriptions` (all when absent); returns those it closed. */
  acknowledgeGaps(subscriptions?: readonly string[]): Promise<Gap[]>;
}

export interface StoreOperationsOptions {
  readonly connectors: readonly string[];
  readonly subscriptions: readonly string[];
  /** `source.gap_retention`. */
  readonly gapRetentionMs: number;
}

/** Operations on a store this process has open (the running bridge's, or the CLI's own). */
export function storeOperations(store: Store, o: StoreOperationsOptions): Operations {
  const gaps = new GapLog(store, o.subscriptions, o.gapRetentionMs);
  const known = (connectors: readonly string[] | undefined) => {
    const unknown = (connectors ?? []).filter((c) => !o.connectors.includes(c));
    if (unknown.length > 0) throw new OperationError(`no connector named ${unknown.map((c) => `"${c}"`).join(', ')}; declared: ${o.connectors.join(', ')}`);
    return connectors ?? o.connectors;
  };
  const change = async (selection: DeadLetterSelection, verb: 'replay' | 'drop') => {
    const connectors = known(selection.connectors);
    // A ref is a stream id, unique within one connector's dead letters only.
    if (selection.refs && connectors.length > 1) throw new OperationError('dead letter ids are per connector: name one connector (--connector NAME)');
    const done: Record<string, number> = {};
    for (const connector of connectors) done[connector] = await store.deadLetters(connector)[verb](selection.refs);
    return done;
  };
  return {
    async listDeadLetters(connectors, limit) {
      const found = await Promise.all(
        known(connectors).map(async (connector) => {
          const deadLetters = store.deadLetters(connector);
          return { connector, count: await deadLetters.count(), letters: await deadLetters.list(limit) };
        }),
      );
      return {
        counts: Object.fromEntries(found.map((f) => [f.connector, f.count])),
        deadLetters: found.flatMap((f) => f.letters).sort((a, b) => b.deadAt - a.deadAt).slice(0, limit),
      };
    },
    replayDeadLetters: (selection) => change(selection, 'replay'),
    dropDeadLetters: (selection) => change(selection, 'drop'),
    gaps: () => gaps.list(),
    acknowledgeGaps: (subscriptions) => gaps.acknowledge(subscriptions),
  };
}
