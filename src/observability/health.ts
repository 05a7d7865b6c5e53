import { unlessAborted } from '../delivery/abort.js';
import type { Store } from '../store/types.js';

/** One named part of the bridge and, when it does not work, why. */
export interface PartHealth {
  /** e.g. `store`, `subscription findings`, `connector splunk`, `gap findings`. */
  readonly part: string;
  readonly problem?: string;
}

/**
 * What one component says about its parts, for `/healthz` or `/readyz`: each component
 * contributes its own check, so a new kind of failure is a new check, not an edit of the others.
 */
export type HealthCheck = () => readonly PartHealth[] | Promise<readonly PartHealth[]>;

export interface Health {
  readonly ok: boolean;
  readonly parts: readonly PartHealth[];
}

/** Longest a check may take, ms: a probe must answer even when a part hangs. */
const CHECK_TIMEOUT_MS = 2_000;

/** Runs every check; a check that throws or hangs counts as a problem of its own. */
export async function evaluate(checks: readonly HealthCheck[]): Promise<Health> {
  const results = await Promise.all(
    checks.map(async (check, i) => {
      try {
        return await unlessAborted(Promise.resolve(check()), AbortSignal.timeout(CHECK_TIMEOUT_MS));
      } catch (error) {
        const why = (error as Error).name === 'TimeoutError' ? `no answer within ${CHECK_TIMEOUT_MS} ms` : (error as Error).message;
        return [{ part: `check ${i + 1}`, problem: `the check failed: ${why}` }];
      }
    }),
  );
  const parts = results.flat();
  return { ok: parts.every((p) => p.problem === undefined), parts };
}

/**
 * The body of `/healthz` and `/readyz`: `ok`/`ready`, or the failing parts one per line; with
 * `verbose`, every part in the manner of Kubernetes' own endpoints (`[+]store ok`).
 */
export function formatHealth(health: Health, word: string, verbose: boolean): string {
  const failing = health.parts.filter((p) => p.problem !== undefined);
  if (verbose) {
    const lines = health.parts.map((p) => (p.problem === undefined ? `[+]${p.part} ok` : `[-]${p.part}: ${p.problem}`));
    return `${[...lines, health.ok ? word : `not ${word}`].join('\n')}\n`;
  }
  return health.ok ? `${word}\n` : `not ${word}:\n${failing.map((p) => `- ${p.part}: ${p.problem}\n`).join('')}`;
}

/** The store answers. */
export function storeCheck(store: Pick<Store, 'ping'>): HealthCheck {
  return async () => {
    try {
      await store.ping();
      return [{ part: 'store' }];
    } catch (error) {
      return [{ part: 'store', problem: (error as Error).message }];
    }
  };
}
