import type { Bridge } from '../bridge.js';
import { ConfigError, formatIssue } from '../config/errors.js';
import { loadConfig, type BridgeConfig } from '../config/load.js';
import type { Logger } from '../observability/logger.js';
import type { SecretMask } from '../observability/redact.js';

/**
 * On SIGHUP, re-reads `file` (and every `${file:}` and `${VAR}` in it) and puts its rules,
 * routes and connector settings in force (Bridge.reload): a rotated credential needs no restart.
 * The new secrets join `secrets`, the mask of the log and the endpoint, before anything can show
 * them. A config with errors is refused with its errors, and the running one stays. Returns the
 * unsubscriber.
 */
export function reloadOnHangup(
  file: string,
  bridge: Bridge,
  logger: Logger,
  load: (file: string) => BridgeConfig = loadConfig,
  secrets?: SecretMask,
): () => void {
  const reload = () => {
    let restart: string[];
    try {
      const config = load(file);
      secrets?.learn(config.secrets);
      const result = bridge.reload(config);
      restart = result.restart;
      logger.info(
        { file, severityRules: config.severityRules.length, routes: config.routes.length, connectorsRebuilt: result.rebuilt },
        'config reloaded: its severity rules, routes and connector settings are in force',
      );
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
