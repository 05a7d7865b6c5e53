import type { Bridge } from '../bridge.js';
import { ConfigError, formatIssue } from '../config/errors.js';
import { loadConfig, type BridgeConfig } from '../config/load.js';
import type { Logger } from '../observability/logger.js';

/**
 * On SIGHUP, re-reads `file` and puts its rules and routes in force (Bridge.reload). A config
 * with errors is refused with its errors, and the running one stays. Returns the unsubscriber.
 */
export function reloadOnHangup(file: string, bridge: Bridge, logger: Logger, load: (file: string) => BridgeConfig = loadConfig): () => void {
  const reload = () => {
    let restart: string[];
    try {
      const config = load(file);
      restart = bridge.reload(config);
      logger.info({ file, severityRules: config.severityRules.length, routes: config.routes.length }, 'config reloaded: its severity rules and routes are in force');
    } catch (error) {
      const errors = error instanceof ConfigError ? error.issues.map(formatIssue) : [(error as Error).message];
      logger.error({ file, errors }, 'config reload refused: the running config stays in force');
      return;
    }
    if (restart.length > 0) logger.warn({ sections: restart }, `changes to ${restart.join(', ')} take effect only after a restart; the running values stay until then`);
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}
