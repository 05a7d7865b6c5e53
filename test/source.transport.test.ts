import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { frame, startSseServer, subscribe, until, type SseServer, type Subscriber } from './helpers/sse-server.js';

let server: SseServer | undefined;
let subscriber: Subscriber | undefined;
let proxy: Server | undefined;
afterEach(async () => {
  await subscriber?.stop();
  await server?.close();
  proxy?.close();
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
  /** A CONNECT proxy recording where it tunnelled to. */
  async function startProxy(): Promise<{ url: string; tunnels: string[] }> {
    const tunnels: string[] = [];
    proxy = createServer((client) => {
      client.once('data', (head) => {
        const target = /^CONNECT (\S+):(\d+) /.exec(head.toString('latin1'));
        if (!target) return client.destroy();
        tunnels.push(`${target[1]}:${target[2]}`);
        const upstream = connect(Number(target[2]), target[1], () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          client.pipe(upstream).pipe(client);
        });
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      });
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, tunnels };
  }

  it('connects through the proxy', async () => {
    const { url, tunnels } = await startProxy();
    server = await startSseServer(STREAM);
    subscriber = subscribe(server, { proxy: url });

    await until(() => subscriber!.events.length === 1);
    expect(tunnels).toEqual([new URL(server.baseUrl).host]);
  });
});
