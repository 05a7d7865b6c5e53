import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway `redis-server` on a free loopback port, with its own data directory, for the
 * scenarios that stop and start Redis (never the shared server at REDIS_URL). AOF persistence
 * as a user would run it (`appendonly yes`, fsync every second); `stop()` is a clean shutdown
 * (the AOF is flushed), `start()` runs it again on the same port and directory.
 */
export interface RedisServer {
  readonly port: number;
  /** `redis://[:password@]127.0.0.1:PORT` */
  readonly url: string;
  readonly running: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

export interface RedisServerOptions {
  /** `requirepass`. */
  readonly password?: string;
  /** @default true */
  readonly appendOnly?: boolean;
}

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 's4e-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', options.appendOnly === false ? 'no' : 'yes', '--appendfsync', 'everysec',
    '--daemonize', 'no', '--logfile', join(dir, 'redis.log'),
    ...(options.password ? ['--requirepass', options.password] : []),
  ];
  let child: ChildProcess | undefined;
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';

  const start = async () => {
    if (child) return;
    child = spawn('redis-server', args, { stdio: 'ignore' });
    const started = child;
    started.once('exit', () => {
      if (child === started) child = undefined;
    });
    await waitUntil(() => answers(port), 10_000, `redis-server on port ${port}`);
  };
  const stop = async () => {
    const running = child;
    if (!running) return;
    child = undefined;
    const exited = once(running, 'exit');
    running.kill('SIGTERM'); // a clean shutdown: the AOF is flushed
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (running.exitCode === null && running.signalCode === null) {
      running.kill('SIGKILL');
      await exited;
    }
  };
  await start();
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether something accepts a TCP connection on the port (enough: redis-server listens once it has loaded its AOF). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => done(true));
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
