import type { BridgeConfig } from '../config/load.js';

/** The config's operations endpoint as seen from this host; undefined when the endpoint is off. */
export function defaultEndpoint(config: BridgeConfig): string | undefined {
  if (!config.server.enabled) return undefined;
  const { host, port } = config.server.listen;
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${local}:${port}`;
}
