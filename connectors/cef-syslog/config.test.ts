import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cefSyslogOptions } from './config.js';

describe('cef_syslog options', () => {
  it('fills the documented defaults (tcp, LF framing, port 514)', () => {
    expect(cefSyslogOptions.parse({ host: 'siem.example.com' })).toEqual({
      host: 'siem.example.com',
      port: 514,
      transport: 'tcp',
      framing: 'lf',
      resendWindowMs: 5_000,
      format: 'rfc5424',
      facility: 16,
      app_name: 's4e-bridge',
      hostname: hostname(),
      cef: {
        vendor: 'S4E',
        product: 'S4E Platform',
        version: '1.0',
        severity_map: { critical: 10, high: 8, medium: 5, low: 3, info: 1, unknown: 5 },
      },
      syslog_severity_map: { critical: 2, high: 3, medium: 4, low: 5, info: 6, unknown: 5 },
      tls: { insecure_skip_verify: false },
    });
  });

  it('defaults tls to port 6514 with octet counting, udp to 514 and relp to 2514, both without framing or resend window', () => {
    expect(cefSyslogOptions.parse({ host: 'h', transport: 'tls' })).toMatchObject({ port: 6514, framing: 'octet_counting', resendWindowMs: 5_000 });
    for (const [transport, port] of [['udp', 514], ['relp', 2514]] as const) {
      const options = cefSyslogOptions.parse({ host: 'h', transport });
      expect(options).toMatchObject({ port });
      expect(options.framing).toBeUndefined();
      expect(options.resendWindowMs).toBeUndefined();
    }
  });

  it('reads resend_window as a duration, 0 turning it off', () => {
    expect(cefSyslogOptions.parse({ host: 'h', resend_window: '30s' }).resendWindowMs).toBe(30_000);
    expect(cefSyslogOptions.parse({ host: 'h', transport: 'tls', resend_window: 0 }).resendWindowMs).toBe(0);
  });

  it('takes facility names and numbers, and overrides single severities', () => {
    const options = cefSyslogOptions.parse({
      host: 'h',
      port: 1514,
      framing: 'octet_counting',
      facility: 'auth',
      cef: { severity_map: { critical: 9 } },
      syslog_severity_map: { critical: 0 },
    });
    expect(options).toMatchObject({ port: 1514, framing: 'octet_counting', facility: 4 });
    expect(options.cef.severity_map).toMatchObject({ critical: 9, high: 8 });
    expect(options.syslog_severity_map).toMatchObject({ critical: 0, high: 3 });
    expect(cefSyslogOptions.parse({ host: 'h', facility: 0 }).facility).toBe(0);
    expect(cefSyslogOptions.parse({ host: 'h', facility: 'local7' }).facility).toBe(23);
  });

  it('keeps the tls settings of transport tls', () => {
    const tls = { ca_file: '/etc/ssl/ca.pem', cert_file: '/etc/ssl/c.pem', key_file: '/etc/ssl/c.key', server_name: 'siem', insecure_skip_verify: true };
    expect(cefSyslogOptions.parse({ host: '10.0.0.5', transport: 'tls', tls }).tls).toEqual(tls);
  });

  it.each([
    ['a missing host', {}, ['host']],
    ['an unknown key', { host: 'h', protocol: 'tcp' }, []],
    ['an unknown transport', { host: 'h', transport: 'sctp' }, ['transport']],
    ['framing on relp', { host: 'h', transport: 'relp', framing: 'octet_counting' }, ['framing']],
    ['a resend_window on relp', { host: 'h', transport: 'relp', resend_window: '5s' }, ['resend_window']],
    ['a resend_window on udp', { host: 'h', transport: 'udp', resend_window: '5s' }, ['resend_window']],
    ['a resend_window that is not a duration', { host: 'h', resend_window: 'soon' }, ['resend_window']],
    ['tls settings on relp', { host: 'h', transport: 'relp', tls: { ca_file: '/ca.pem' } }, ['tls']],
    ['framing on udp', { host: 'h', transport: 'udp', framing: 'lf' }, ['framing']],
    ['LF framing on tls', { host: 'h', transport: 'tls', framing: 'lf' }, ['framing']],
    ['tls settings on tcp', { host: 'h', tls: { ca_file: '/ca.pem' } }, ['tls']],
    ['a client certificate without its key', { host: 'h', transport: 'tls', tls: { cert_file: '/c.pem' } }, ['tls']],
    ['an unknown tls key', { host: 'h', transport: 'tls', tls: { verify: false } }, ['tls']],
    ['facility 24', { host: 'h', facility: 24 }, ['facility']],
    ['an unknown facility name', { host: 'h', facility: 'local8' }, ['facility']],
    ['a CEF severity over 10', { host: 'h', cef: { severity_map: { high: 11 } } }, ['cef', 'severity_map', 'high']],
    ['a syslog severity over 7', { host: 'h', syslog_severity_map: { info: 8 } }, ['syslog_severity_map', 'info']],
    ['an unknown severity key', { host: 'h', syslog_severity_map: { urgent: 1 } }, ['syslog_severity_map']],
    ['an app_name with a space', { host: 'h', app_name: 's4e bridge' }, ['app_name']],
    ['an app_name over 32 characters', { host: 'h', app_name: 'a'.repeat(33) }, ['app_name']],
    ['a vendor over 63 characters', { host: 'h', cef: { vendor: 'v'.repeat(64) } }, ['cef', 'vendor']],
  ])('rejects %s', (_, input, path) => {
    const result = cefSyslogOptions.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });
});
