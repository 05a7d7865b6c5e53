import { once } from 'node:events';
import { createServer, Socket, type Server } from 'node:net';

/**
 * A TCP proxy on loopback in front of a server, that can break the path the way networks and
 * restarts do: be down (connections refused), cut a stream in the middle of what it carries,
 * reset it (RST), stall it (open, silent), or rewrite the request a client sends (e.g. an older
 * `Last-Event-ID`, so the server replays events the client already has).
 */
export interface FaultProxy {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Connections accepted since start. */
  readonly accepted: number;
  /** The first bytes each connection sent (an HTTP request head), with when it came, in order. */
  readonly heads: readonly { readonly at: number; readonly head: string }[];
  /** Open client connections now. */
  readonly open: number;
  /**
   * Stops listening and drops every connection: the peer is down (connection refused). Abrupt
   * by default, as a crash: what was on its way is lost with the connection. `graceful`: a
   * clean stop, as a daemon shutting down: it closes its side (FIN), keeps passing on what the
   * client had already sent for `graceMs`, then drops the connection.
   */
  down(options?: { readonly graceful?: boolean; readonly graceMs?: number }): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /**
   * Forwards the next server→client bytes that contain `marker` only up to the middle of it,
   * then destroys both sides: a stream cut in the middle of an event. Resolves once it has cut.
   */
  cutInside(marker: string): Promise<void>;
  /** Resets every open connection (TCP RST to the client). */
  reset(): void;
  /** Stops forwarding server→client on the open connections, keeping them open and silent. */
  stall(): void;
  /** Destroys the stalled connections (new ones are not stalled). */
  unstall(): void;
  /** Rewrites the first chunk each new connection sends (its request head) with `edit` until cleared. */
  rewriteRequests(edit: ((head: string) => string) | undefined): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  stalled: boolean;
}

export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1', port = 0): Promise<FaultProxy> {
  const pairs = new Set<Pair>();
  let accepted = 0;
  const heads: { at: number; head: string }[] = [];
  let cut: { marker: string; done: () => void } | undefined;
  let rewrite: ((head: string) => string) | undefined;

  const onConnection = (client: Socket) => {
    accepted += 1;
    const upstream = new Socket();
    const pair: Pair = { client, upstream, stalled: false };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // A clean close travels on after what was sent before it; an error or a reset cuts both.
    client.on('error', end).on('end', () => upstream.end()).on('close', () => {
      // Nobody left to answer: drop the upstream once it has passed on what the client sent.
      if (upstream.writableEnded && !upstream.writableFinished) upstream.once('finish', end);
      else end();
    });
    upstream.on('error', end).on('end', () => client.end()).on('close', end);
    let first = true;
    const pending: Buffer[] = [];
    let connected = false;
    client.on('data', (chunk: Buffer) => {
      let data = chunk;
      if (first) {
        first = false;
        if (rewrite) data = Buffer.from(rewrite(chunk.toString('latin1')), 'latin1');
        heads.push({ at: Date.now(), head: data.toString('latin1', 0, Math.min(data.length, 2_000)) });
      }
      if (connected) upstream.write(data);
      else pending.push(data);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (pair.stalled) return; // swallowed: the client sees an open, silent stream
      const plan = cut;
      const at = plan ? chunk.indexOf(plan.marker) : -1;
      if (plan && at >= 0) {
        cut = undefined;
        client.write(chunk.subarray(0, at + Math.ceil(plan.marker.length / 2)), () => {
          end();
          plan.done();
        });
        return;
      }
      client.write(chunk);
    });
    upstream.connect(targetPort, targetHost, () => {
      connected = true;
      for (const data of pending.splice(0)) upstream.write(data);
    });
  };

  let server: Server | undefined;
  let boundPort = port;
  const up = async () => {
    if (server) return;
    const s = createServer(onConnection);
    s.listen(boundPort, '127.0.0.1');
    await once(s, 'listening');
    boundPort = (s.address() as { port: number }).port;
    server = s;
  };
  const down = async (options: { readonly graceful?: boolean; readonly graceMs?: number } = {}) => {
    const s = server;
    server = undefined;
    const closing = s ? new Promise((resolve) => s.close(resolve)) : Promise.resolve();
    const open = [...pairs];
    if (options.graceful) {
      for (const pair of open) pair.client.end();
      await new Promise((r) => setTimeout(r, options.graceMs ?? 500));
    }
    for (const pair of open) {
      pair.client.destroy();
      pair.upstream.destroy();
      pairs.delete(pair);
    }
    await closing;
  };
  await up();

  return {
    get port() {
      return boundPort;
    },
    get url() {
      return `http://127.0.0.1:${boundPort}`;
    },
    get accepted() {
      return accepted;
    },
    heads,
    get open() {
      return pairs.size;
    },
    down,
    up,
    cutInside: (marker) => new Promise<void>((resolve) => (cut = { marker, done: resolve })),
    reset() {
      for (const pair of pairs) {
        pair.client.resetAndDestroy();
        pair.upstream.destroy();
      }
      pairs.clear();
    },
    stall() {
      for (const pair of pairs) pair.stalled = true;
    },
    unstall() {
      for (const pair of [...pairs]) {
        if (!pair.stalled) continue;
        pairs.delete(pair);
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
    rewriteRequests(edit) {
      rewrite = edit;
    },
    close: () => down(),
  };
}
