import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyslogReceiver, type SyslogReceiver } from '../../src/demo/syslog-receiver.js';
import { hasOpenssl, makeCertificates, type TestCertificates } from '../../test/helpers/certificates.js';
import { cefOf, createCefConnector, externalIds } from '../../test/cef-syslog.helpers.js';
import { captureLogger, envelope, envelopes, neverAborts } from '../../test/hec.helpers.js';
import type { Envelope } from '../../src/pipeline/envelope.js';

describe.skipIf(!hasOpenssl)('cef_syslog over TLS (needs the openssl CLI)', () => {
  let dir: string;
  let certs: TestCertificates;
  let receiver: SyslogReceiver;
  /** Requires a client certificate signed by the test CA. */
  let mutual: SyslogReceiver;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 's4e-syslog-tls-'));
    certs = makeCertificates(dir);
    receiver = await startSyslogReceiver({ transport: 'tls', framing: 'octet_counting', tls: { key: certs.key, cert: certs.cert } });
    mutual = await startSyslogReceiver({
      transport: 'tls',
      framing: 'octet_counting',
      tls: { key: certs.key, cert: certs.cert, ca: certs.ca, requestCert: true },
    });
  });

  afterAll(async () => {
    await receiver?.close();
    await mutual?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deliver = async (config: Record<string, unknown>, batch: Envelope[] = envelopes(2), logger = captureLogger().logger) => {
    const c = createCefConnector({ transport: 'tls', port: receiver.port, ...config }, { logger });
    try {
      return await c.deliver(batch, neverAborts);
    } finally {
      await c.close();
    }
  };
  const arrivals = async (r: SyslogReceiver, count: number) => {
    for (let i = 0; i < 200 && r.count < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return r.messages();
  };

  it('delivers octet-counted records when the certificate chains to the CA, multi-byte text intact', async () => {
    const before = receiver.count;
    const title = 'Überprüfung fehlgeschlagen — 漏洞 😀 | a=b\nnext';
    const outcomes = await deliver({ tls: { ca_file: certs.caFile } }, [envelope(1, { data: { title } }), envelope(2)]);
    expect(outcomes).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    const records = (await arrivals(receiver, before + 2)).slice(before);
    expect(externalIds(records)).toEqual(['evt-1', 'evt-2']);
    expect(cefOf(records[0]!).name).toBe('Überprüfung fehlgeschlagen — 漏洞 😀 | a=b next');
  });

  it('checks the certificate against server_name, sent as SNI', async () => {
    expect(await deliver({ host: '127.0.0.1', tls: { ca_file: certs.caFile, server_name: 'localhost' } })).toEqual([
      { status: 'delivered' },
      { status: 'delivered' },
    ]);
    const outcomes = await deliver({ tls: { ca_file: certs.caFile, server_name: 'siem.example.com' } });
    for (const o of outcomes) expect(o).toMatchObject({ status: 'retry', reason: 'network: ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('refuses an untrusted certificate (retried, with the TLS error code)', async () => {
    const before = receiver.count;
    const outcomes = await deliver({});
    for (const o of outcomes) expect(o).toMatchObject({ status: 'retry', reason: expect.stringMatching(/^network: .*(CERT|VERIFY)/) });
    expect(receiver.count).toBe(before);
  });

  it('accepts any certificate with insecure_skip_verify, and warns at create', async () => {
    const { logger, lines } = captureLogger();
    expect(await deliver({ tls: { insecure_skip_verify: true } }, envelopes(2), logger)).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    expect(lines.filter((l) => l.includes('"level":40') && l.includes('insecure_skip_verify'))).toHaveLength(1);
  });

  it('presents the client certificate a receiver requires', async () => {
    const outcomes = await deliver({
      port: mutual.port,
      tls: { ca_file: certs.caFile, cert_file: certs.clientCertFile, key_file: certs.clientKeyFile },
    });
    expect(outcomes).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    expect(externalIds(await arrivals(mutual, 2))).toEqual(['evt-0', 'evt-1']);
  });

  it('without a client certificate, is refused and says so, not delivered (TLS 1.3 refuses after the handshake)', async () => {
    const before = mutual.count;
    const outcomes = await deliver({ port: mutual.port, tls: { ca_file: certs.caFile } });
    for (const o of outcomes) expect(o).toMatchObject({ status: 'retry', reason: expect.stringMatching(/^network: .*CERTIFICATE_REQUIRED/) });
    expect(mutual.count).toBe(before);
  });

  it('fails at create when a file is missing', () => {
    expect(() => createCefConnector({ transport: 'tls', tls: { ca_file: join(dir, 'absent.pem') } })).toThrow(/ENOENT/);
  });
});
