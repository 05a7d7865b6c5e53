import type { Logger } from '../observability/logger.js';
import { EXIT } from './exit.js';

/**
 * Resolves once the process was asked to stop (SIGTERM/SIGINT) and `stop` finished.
 * A second signal exits at once: nothing is lost, what was not acknowledged stays in the
 * store and is delivered after the restart.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now; unacknowledged events stay in the store');
        process.exit(EXIT.interrupted);
      }
      stopping = true;
      logger.info({ signal }, 'stopping: finishing in-flight deliveries');
      stop().then(resolve, reject);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}
