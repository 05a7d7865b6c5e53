import type { ConnectorState } from '../../connectors/types.js';
import { loadConfig, type BridgeConfig } from '../config/load.js';

/**
 * Loads a config for the commands that only evaluate it (`test`, `test-route`): they read no
 * stream and send nothing, so secrets are not needed. An unset `${VAR}` stands in as
 * `https://unset.invalid/VAR` instead of failing (URL-shaped, so it passes for a webhook URL as
 * well as for a token), so CI can check the rules without production secrets.
 */
export function loadOffline(file: string): BridgeConfig {
  const env = new Proxy(process.env, {
    get: (vars, name) => (typeof name === 'string' && !vars[name] ? `https://unset.invalid/${name}` : vars[name as string]),
  });
  return loadConfig(file, env);
}

/** State for connectors made only to preview: a preview must not touch it. */
export const NO_STATE: ConnectorState = {
  get: refuse,
  set: refuse,
  setIfAbsent: refuse,
  delete: refuse,
};

function refuse(): Promise<never> {
  return Promise.reject(new Error('a connector made for a preview has no state'));
}
