import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { ConnectorContext, ConnectorPlugin } from '../types.js';
import { cefSyslogOptions, type CefSyslogOptions } from './config.js';
import { CefSyslogConnector } from './connector.js';
import { createCefSyslogEncoder } from './encoder.js';
import type { SyslogTransport } from './transport.js';
import { RelpTransport } from './transport-relp.js';
import { dialTcp, dialTls, StreamTransport } from './transport-stream.js';
import { UdpTransport } from './transport-udp.js';

export { cefSyslogOptions, type CefSyslogOptions } from './config.js';

/** ArcSight CEF over syslog (RFC 5424 or 3164), on UDP, TCP, TLS or RELP. */
export const cefSyslogPlugin: ConnectorPlugin<CefSyslogOptions> = {
  type: 'cef_syslog',
  options: cefSyslogOptions,
  batchDefaults: { maxEvents: 500, maxBytes: 1_000_000, maxDelayMs: 1_000 },
  // Only file paths and names: nothing to mask. Message content is never logged.
  secrets: () => [],
  create(options, context) {
    return new CefSyslogConnector({ transport: createTransport(options, context), encode: createCefSyslogEncoder(options) });
  },
};

function createTransport(options: CefSyslogOptions, { logger, batch }: ConnectorContext): SyslogTransport {
  const { host, port, transport, framing } = options;
  if (transport === 'udp') {
    logger.warn(
      { host, port },
      'transport udp cannot confirm delivery (no acknowledgement, no backpressure): events count as delivered once sent; prefer relp, tcp or tls',
    );
    return new UdpTransport(host, port, logger);
  }
  if (transport === 'relp') return new RelpTransport(dialTcp(host, port, logger), logger);
  const dial = transport === 'tcp' ? dialTcp(host, port, logger) : dialTls(tlsOptions(options, logger), logger);
  // The schema sets framing and the resend window for tcp and tls.
  return new StreamTransport({ dial, framing: framing!, maxWriteBytes: batch.maxBytes, resendWindowMs: options.resendWindowMs!, logger });
}

function tlsOptions({ host, port, tls }: CefSyslogOptions, logger: Logger): ConnectionOptions {
  if (tls.insecure_skip_verify) {
    logger.warn({ host, port }, 'tls.insecure_skip_verify is on: the syslog receiver’s certificate is not verified; use only for testing');
  }
  // Files are read once, here: a missing file stops the start, not every delivery.
  const read = (file: string | undefined) => (file ? readFileSync(file, 'utf8') : undefined);
  return {
    host,
    port,
    ca: read(tls.ca_file),
    cert: read(tls.cert_file),
    key: read(tls.key_file),
    // SNI carries names only (RFC 6066); the certificate is then checked against the host's IP.
    servername: tls.server_name ?? (isIP(host) ? undefined : host),
    rejectUnauthorized: !tls.insecure_skip_verify,
  };
}
