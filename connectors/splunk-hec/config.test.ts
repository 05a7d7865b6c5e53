import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { HEC_SEVERITIES, splunkHecOptions } from './config.js';

/** A template option compares by its text. */
const template = (source: string) => expect.objectContaining({ source });

describe('splunk_hec options', () => {
  it('fills the documented defaults', () => {
    expect(splunkHecOptions.parse({ url: 'https://splunk.example.com:8088/', token: 't0k3n' })).toEqual({
      url: 'https://splunk.example.com:8088',
      token: 't0k3n',
      sourcetype: template('s4e:event'),
      source: 's4e-bridge',
      host: hostname(),
      tls: { insecure_skip_verify: false },
      gzip: false,
      severity_map: HEC_SEVERITIES,
    });
  });

  it('keeps a path prefix and the optional keys', () => {
    const options = splunkHecOptions.parse({
      url: 'http://proxy.local/splunk/',
      token: 't0k3n',
      index: 'security',
      tls: { ca_file: '/etc/ssl/hec-ca.pem', insecure_skip_verify: true },
      gzip: true,
      fields: ['type', 'asset.id'],
    });
    expect(options).toMatchObject({ url: 'http://proxy.local/splunk', index: template('security'), gzip: true, fields: ['type', 'asset.id'] });
    expect(options.tls).toEqual({ ca_file: '/etc/ssl/hec-ca.pem', insecure_skip_verify: true });
  });

  it('overrides the severity map one severity at a time', () => {
    const options = splunkHecOptions.parse({ url: 'https://hec', token: 't', severity_map: { info: 'info' } });
    expect(options.severity_map).toEqual({ ...HEC_SEVERITIES, info: 'info' });
  });

  it.each(['https://hec:8088/services/collector', 'https://hec:8088/services/collector/event/', 'https://hec:8088//'])(
    'reduces %s to the base URL',
    (url) => expect(splunkHecOptions.parse({ url, token: 't' }).url).toBe('https://hec:8088'),
  );

  it.each([
    ['a missing url', { token: 't' }, ['url']],
    ['a non-HTTP url', { url: 'ftp://splunk', token: 't' }, ['url']],
    ['a missing token', { url: 'https://splunk' }, ['token']],
    ['an unknown key', { url: 'https://splunk', token: 't', idx: 'main' }, []],
    ['an unknown tls key', { url: 'https://splunk', token: 't', tls: { verify: false } }, ['tls']],
    ['a malformed field path', { url: 'https://splunk', token: 't', fields: ['asset..id'] }, ['fields', 0]],
    ['a broken sourcetype template', { url: 'https://splunk', token: 't', sourcetype: 's4e:{{type' }, ['sourcetype']],
    ['a severity map of an unknown severity', { url: 'https://splunk', token: 't', severity_map: { urgent: 'x' } }, ['severity_map']],
  ])('rejects %s', (_, input, path) => {
    const result = splunkHecOptions.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });
});
