import type { AddressInfo, Server } from 'node:net';

/**
 * Starts a receiver's server and returns the `host:port` a client should use: a wildcard
 * address is reached on loopback, an IPv6 one in brackets.
 */
export async function listen(server: Server, host = '127.0.0.1', port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `${shown}:${bound}`;
}
