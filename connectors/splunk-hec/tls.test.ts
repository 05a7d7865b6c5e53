import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHecReceiver, type HecReceiver } from '../../src/demo/hec-receiver.js';
import { captureLogger, createHecConnector, envelopes, neverAborts } from '../../test/hec.helpers.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A throwaway CA and a server certificate it signed for 127.0.0.1 and localhost. */
function makeCertificates(dir: string): { caFile: string; key: string; cert: string } {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=s4e-bridge test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem',
    '-days', '1', '-extfile', 'server.ext');
  return { caFile: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
}

describe.skipIf(!hasOpenssl)('splunk_hec over HTTPS (needs the openssl CLI)', () => {
  let dir: string;
  let caFile: string;
  let hec: HecReceiver;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 's4e-hec-tls-'));
    const certs = makeCertificates(dir);
    caFile = certs.caFile;
    hec = await startHecReceiver({ token: 'tls-test-token', tls: { key: certs.key, cert: certs.cert } });
  });

  afterAll(async () => {
    await hec?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deliverWith = async (tls: Record<string, unknown>, logger = captureLogger().logger) => {
    const c = createHecConnector({ url: hec.url, token: 'tls-test-token', tls }, { logger });
    try {
      return await c.deliver(envelopes(2), neverAborts);
    } finally {
      await c.close();
    }
  };

  it('delivers when HEC’s certificate chains to the configured CA', async () => {
    expect(hec.url).toMatch(/^https:/);
    const outcomes = await deliverWith({ ca_file: caFile });
    expect(outcomes).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
  });

  it('refuses an untrusted certificate (retried, with the TLS error code)', async () => {
    const outcomes = await deliverWith({});
    for (const o of outcomes) expect(o).toMatchObject({ status: 'retry', reason: expect.stringMatching(/^network: .*(CERT|VERIFY)/) });
  });

  it('accepts any certificate with insecure_skip_verify, and warns at create', async () => {
    const { logger, lines } = captureLogger();
    const outcomes = await deliverWith({ insecure_skip_verify: true }, logger);
    expect(outcomes).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    expect(lines.some((l) => l.includes('"level":40') && l.includes('insecure_skip_verify'))).toBe(true);
  });

  it('fails at create when the CA file is missing', () => {
    expect(() => createHecConnector({ url: hec.url, tls: { ca_file: join(dir, 'absent.pem') } })).toThrow(/ENOENT/);
  });
});
