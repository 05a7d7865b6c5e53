import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startConnectProxy } from './helpers/connect-proxy.js';
import { frame, startSseServer, subscribe, until, type SseServer, type Subscriber } from './helpers/sse-server.js';

let server: SseServer | undefined;
let subscriber: Subscriber | undefined;
let closeProxy: (() => Promise<void>) | undefined;
afterEach(async () => {
  await subscriber?.stop();
  await server?.close();
  await closeProxy?.();
  closeProxy = undefined;
});

const STREAM = () => ({ frames: [frame({ id: 'e1', data: '{}' })] });

describe('TLS', () => {
  // A self-signed certificate for 127.0.0.1: trusted only when given as `ca`.
  let dir: string;
  let tls: { key: string; cert: string };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 's4e-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trusts a private CA given as PEM text', async () => {
    server = await startSseServer(STREAM, tls);
    subscriber = subscribe(server, { tls: { ca: tls.cert } });

    await until(() => subscriber!.events.length === 1);
  });

  it('refuses an untrusted certificate, and keeps retrying', async () => {
    server = await startSseServer(STREAM, tls);
    subscriber = subscribe(server);

    await until(() => subscriber!.states.filter((s) => s.state === 'reconnecting').length >= 2);
    expect(subscriber.events).toEqual([]);
    expect(subscriber.states.find((s) => s.state === 'reconnecting')).toEqual(
      expect.objectContaining({ reason: expect.stringMatching(/certificate/) }),
    );
  });

  it('accepts any certificate with rejectUnauthorized: false', async () => {
    server = await startSseServer(STREAM, tls);
    subscriber = subscribe(server, { tls: { rejectUnauthorized: false } });

    await until(() => subscriber!.events.length === 1);
  });
});

describe('proxy', () => {
  it('connects through the proxy', async () => {
    const proxy = await startConnectProxy();
    closeProxy = () => proxy.close();
    server = await startSseServer(STREAM);
    subscriber = subscribe(server, { proxy: proxy.url });

    await until(() => subscriber!.events.length === 1);
    expect(proxy.tunnels).toEqual([new URL(server.baseUrl).host]);
  });
});
