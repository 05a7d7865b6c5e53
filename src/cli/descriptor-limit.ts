import { readFileSync } from 'node:fs';
import type { Logger } from '../observability/logger.js';

/** Below this many open files, a busy bridge (sockets, the embedded store's files) can run short. */
const LOW_LIMIT = 4_096;

/**
 * Says when the process may open too few files. Node itself raises the soft `nofile` limit to
 * the hard one at start (measured: soft 256, hard 8192 gives 8192), so what is left is a hard
 * limit set low (`ulimit -n 1024` sets both): only the operator can raise it. The operations
 * endpoint's connection cap (server.max_connections) keeps its share small either way.
 */
export function checkDescriptorLimit(logger: Logger, limitsFile = '/proc/self/limits'): void {
  const limit = openFilesLimit(limitsFile);
  if (limit === undefined || limit.soft >= LOW_LIMIT) return;
  logger.warn(
    { soft: limit.soft, hard: limit.hard },
    `the open-files limit is ${limit.soft} (hard ${limit.hard}): raise it to ${LOW_LIMIT} or more (ulimit -n, systemd LimitNOFILE=, docker --ulimit nofile=)`,
  );
}

/** The soft and hard `nofile` limits from /proc (Linux); undefined elsewhere or when unlimited. */
function openFilesLimit(limitsFile: string): { soft: number; hard: number } | undefined {
  try {
    const line = readFileSync(limitsFile, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const [, soft, hard] = /^Max open files\s+(\d+)\s+(\d+)/.exec(line ?? '') ?? [];
    return soft === undefined ? undefined : { soft: Number(soft), hard: Number(hard) };
  } catch {
    return undefined;
  }
}
