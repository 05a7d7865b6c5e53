import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type AddressInfo, type Socket } from 'node:net';
import { expect } from 'vitest';
import { waitFor, type BridgeProcess } from './helpers/bridge-process.js';
import { REDIS_URL } from './helpers/redis.js';

export interface OpsConfig {
  readonly simulatorUrl: string;
  readonly apiKey: string;
  readonly hecUrl: string;
  readonly hecToken: string;
  readonly prefix: string;
  /** Default REDIS_URL. */
  readonly redisUrl?: string;
  /** Instead of Redis: the embedded store in this directory. */
  readonly storePath?: string;
  /** Default `header`. */
  readonly auth?: 'header' | 'query';
  /** Extra top-level YAML (e.g. a `server:` section); default: the endpoint on a free loopback port. */
  readonly server?: string;
  readonly log?: string;
  /** Default `{ max_events: 100, max_delay: 20ms }`. */
  readonly batch?: string;
}

/** A bridge config for these tests; fast reconnects and retries. */
export function opsConfig(c: OpsConfig): string {
  return `source:
  base_url: ${c.simulatorUrl}
  api_key: ${c.apiKey}
  auth: ${c.auth ?? 'header'}
  heartbeat_timeout: 10s
  reconnect: { initial_delay: 100ms, max_delay: 1s }
store:
${c.storePath ? `  path: ${c.storePath}` : `  redis_url: ${c.redisUrl ?? REDIS_URL}\n  key_prefix: ${c.prefix}\n  consumer: ops-test`}
subscriptions:
  - name: all
connectors:
  splunk:
    type: splunk_hec
    url: ${c.hecUrl}
    token: ${c.hecToken}
    batch: ${c.batch ?? '{ max_events: 100, max_delay: 20ms }'}
    delivery: { retry: { initial_delay: 50ms, max_delay: 500ms } }
routes:
  - name: everything
    to: [splunk]
${c.server ?? 'server:\n  listen: 127.0.0.1:0'}
${c.log ?? ''}
`;
}

/** The operations endpoint's URL, from the line the bridge logs once it listens. */
export async function endpointOf(bridge: BridgeProcess): Promise<string> {
  let url: string | undefined;
  await waitFor(() => {
    const line = bridge.output.find((l) => l.includes('operations endpoint listening'));
    url = line && /"url":"([^"]+)"/.exec(line)?.[1];
    return url !== undefined;
  }, 'the operations endpoint');
  return url!;
}

export async function get(url: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

/** Asserts that no secret appears in any of the lines (log lines, bodies). */
export function expectNoSecrets(lines: readonly string[], secrets: readonly string[]): void {
  const text = lines.join('\n');
  for (const secret of secrets) expect(text, `a secret appears in the output`).not.toContain(secret);
}

/** One Prometheus text sample: name, labels, value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*",?)*)\\})? ((?:[nN][aA][nN])|[+-][iI][nN][fF]|-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)(?: -?\\d+)?$`);
const COMMENT = new RegExp(`^# (?:HELP (${NAME}) .*|TYPE (${NAME}) (?:counter|gauge|histogram|summary|untyped))$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"/g;

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly: every line must be a HELP,
 * a TYPE or a sample of a family TYPE'd before it; throws on anything else. NaN and Inf in any
 * case, as Prometheus reads them (Go's ParseFloat): prom-client writes `Nan`.
 */
export function parsePrometheus(text: string): Sample[] {
  const typed = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = COMMENT.exec(line);
    if (comment) {
      if (comment[2]) typed.add(comment[2]);
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not Prometheus text: ${line}`);
    const name = sample[1]!;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    if (!typed.has(name) && !typed.has(family)) throw new Error(`sample before its # TYPE: ${line}`);
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name, labels, value: Number(sample[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`. */
export function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return matching.length === 0 ? undefined : matching.reduce((sum, s) => sum + s.value, 0);
}

export async function metrics(endpoint: string): Promise<Sample[]> {
  const { status, body, type } = await get(`${endpoint}/metrics`);
  expect(status).toBe(200);
  expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(body);
}

/** A TCP proxy to Redis that can be cut (as Redis going away) and restored on the same port. */
export interface TcpProxy {
  readonly url: string;
  /** Closes every connection and stops accepting: clients see Redis gone. */
  cut(): Promise<void>;
  /** Accepts again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startRedisProxy(redisUrl = REDIS_URL): Promise<TcpProxy> {
  const target = new URL(redisUrl);
  const sockets = new Set<Socket>();
  let server: ReturnType<typeof createTcpServer> | undefined;
  const listen = async (port: number) => {
    server = createTcpServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  };
  const port = await listen(0);
  const cut = async () => {
    const closed = new Promise((resolve) => server?.close(resolve));
    for (const s of sockets) s.destroy();
    await closed;
  };
  const url = new URL(redisUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), cut, restore: async () => void (await listen(port)), close: cut };
}

/** An HTTP front for a sink that holds every request `delayMs` before passing it on: a slow destination. */
export interface SlowProxy {
  readonly url: string;
  /** Requests that reached the proxy. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startSlowProxy(targetUrl: string, delayMs: number): Promise<SlowProxy> {
  let requests = 0;
  const server: Server = createHttpServer(async (req, res) => {
    requests += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    await new Promise((r) => setTimeout(r, delayMs));
    // A client that gave up (the bridge's grace ran out) never reached the sink.
    if (res.destroyed || req.socket.destroyed) return;
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
    const answer = await fetch(new URL(req.url ?? '/', targetUrl), { method: req.method, headers, body: Buffer.concat(chunks) });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
