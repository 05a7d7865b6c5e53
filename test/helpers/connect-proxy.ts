import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface ConnectProxyOptions {
  /** `user:password` the proxy requires (`Proxy-Authorization: Basic`); else it lets anyone through. */
  readonly credentials?: string;
  /** Where a tunnel to `host` really goes (a name only the proxy can resolve); default: `host` itself. */
  readonly resolve?: (host: string) => string;
}

export interface ConnectProxy {
  /** `http://127.0.0.1:PORT` (no credentials in it). */
  readonly url: string;
  /** Each CONNECT the proxy answered 200 to, as `host:port`, in order. */
  readonly tunnels: string[];
  /** Each CONNECT it refused with 407. */
  readonly refused: string[];
  close(): Promise<void>;
}

/**
 * A forward proxy on loopback that speaks CONNECT only, as an egress proxy does for TLS (and
 * undici for every request): it reads the request head, checks the credentials, dials the
 * target and pipes both ways.
 */
export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const expected = options.credentials && `Basic ${Buffer.from(options.credentials).toString('base64')}`;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      client.off('data', onData);
      const target = /^CONNECT (\[[^\]]+\]|[^\s:]+):(\d+) HTTP\/1\.[01]\r\n/.exec(head);
      if (!target) return void client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      const [, host, port] = target as unknown as [string, string, string];
      const authorization = /^proxy-authorization:\s*(.+)$/im.exec(head.slice(0, end))?.[1]?.trim();
      if (expected && authorization !== expected) {
        refused.push(`${host}:${port}`);
        return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      }
      const upstream = connect(Number(port), (options.resolve ?? ((h) => h))(host.replace(/^\[|\]$/g, '')), () => {
        tunnels.push(`${host}:${port}`);
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    refused,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
