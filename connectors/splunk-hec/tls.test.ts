import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHecReceiver, type HecReceiver } from '../../src/demo/hec-receiver.js';
import { hasOpenssl, makeCertificates } from '../../test/helpers/certificates.js';
import { captureLogger, createHecConnector, envelopes, neverAborts } from '../../test/hec.helpers.js';

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
