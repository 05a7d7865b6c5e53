import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHecReceiver, type HecReceiver } from '../../src/demo/hec-receiver.js';
import { startBridge, type BridgeHarness } from './bridge-harness.js';
import { everythingToHecYaml } from './config-yaml.js';

/**
 * A hostile event-stream server: each connection gets the bytes a test scripts, exactly as given
 * (Buffers for invalid UTF-8, any line endings, no framing help), and then stays open and silent.
 * With `startHostileBridge`, the in-process bridge reads it and delivers to a local HEC receiver.
 */
export interface HostileSseServer {
  readonly url: string;
  /** Request headers of each connection, in order. */
  readonly requests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** Bytes to write, a pause, or the end of the connection (`end`: cleanly, `destroy`: cut). */
export type Chunk = string | Buffer | { readonly pauseMs: number } | { readonly close: 'end' | 'destroy' };

export async function startHostileSse(script: (connection: number) => readonly Chunk[], then: 'stall' | 'end' = 'stall'): Promise<HostileSseServer> {
  const requests: IncomingHttpHeaders[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    requests.push(req.headers);
    open.add(res);
    res.on('close', () => open.delete(res));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    void (async () => {
      for (const chunk of script(requests.length - 1)) {
        if (res.destroyed) return;
        if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) {
          if (!res.write(chunk)) await writable(res);
        } else if ('pauseMs' in chunk) {
          await new Promise((r) => setTimeout(r, chunk.pauseMs));
        } else {
          if (chunk.close === 'end') res.end();
          else res.destroy();
          return;
        }
      }
      if (then === 'end') res.end();
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Resolves once `res` takes more bytes, or is gone. Both listeners go when either fires: a race
 * of two `once` leaves the loser's listeners behind, one pair per wait, which overflowed
 * MaxListeners (10) on a 10 MB line.
 */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export const HOSTILE_API_KEY = 'hostile-api-key-4f2c';
export const HOSTILE_HEC_TOKEN = 'hostile-hec-token-9a1d';

export interface HostileBridge {
  readonly sse: HostileSseServer;
  readonly hec: HecReceiver;
  readonly harness: BridgeHarness;
  close(): Promise<void>;
}

/** The in-process bridge reading `script` and delivering everything to a local HEC receiver; `extra` is appended YAML. */
export async function startHostileBridge(script: (connection: number) => readonly Chunk[], extra = ''): Promise<HostileBridge> {
  const sse = await startHostileSse(script);
  const hec = await startHecReceiver({ token: HOSTILE_HEC_TOKEN });
  const harness = await startBridge(`source:
  base_url: ${sse.url}
  api_key: ${HOSTILE_API_KEY}
  heartbeat_timeout: 30s
  reconnect: { initial_delay: 50ms, max_delay: 500ms }
subscriptions:
  - name: all
${everythingToHecYaml({ url: hec.url, token: HOSTILE_HEC_TOKEN, batch: '{ max_events: 100, max_delay: 10ms }', route: 'all' })}${extra}`);
  return {
    sse,
    hec,
    harness,
    async close() {
      await harness.stop();
      await Promise.all([sse.close(), hec.close()]);
    },
  };
}

/** One SSE event, every line ended with `eol`. */
export function sseEvent(e: { id?: string; event?: string; data?: string }, eol = '\n'): string {
  const lines = [
    ...(e.id !== undefined ? [`id: ${e.id}`] : []),
    ...(e.event !== undefined ? [`event: ${e.event}`] : []),
    ...(e.data !== undefined ? e.data.split('\n').map((line) => `data: ${line}`) : []),
  ];
  return lines.map((line) => line + eol).join('') + eol;
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
