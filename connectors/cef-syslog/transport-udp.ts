import { lookup } from 'node:dns/promises';
import type { Logger } from 'pino';
import { Client, Transport } from 'syslog-client';
import { abortError, type SendResult, type SyslogTransport } from './transport.js';

/**
 * syslog-client sending our message as it is: it would otherwise put its own header in front
 * (RFC 3164 without a TAG, in local time) and an LF after, which RFC 5426 datagrams do not carry.
 */
class VerbatimClient extends Client {
  override buildFormattedMessage(message: string): Buffer {
    return Buffer.from(message);
  }
}

/**
 * One datagram per record (RFC 5426), through syslog-client. Nothing confirms receipt: a record
 * counts as written once handed to the kernel, whether or not anything listens.
 */
export class UdpTransport implements SyslogTransport {
  readonly #client: VerbatimClient;

  constructor(
    private readonly host: string,
    port: number,
    logger: Logger,
  ) {
    this.#client = new VerbatimClient(host, { port, transport: Transport.Udp });
    // Socket errors also come as 'error' events, which crash the process unless listened to;
    // the failed log() reports them to the sender.
    this.#client.on('error', (error: NodeJS.ErrnoException) => logger.debug({ code: error.code, err: error.message }, 'syslog udp socket error'));
  }

  async send(records: readonly string[], signal: AbortSignal): Promise<SendResult> {
    let written = 0;
    for (const record of records) {
      if (signal.aborted) return { written, error: abortError(signal) };
      const error = await new Promise<Error | undefined>((resolve) => this.#client.log(record, resolve));
      if (error) return { written, error };
      written += 1;
    }
    return { written };
  }

  /** UDP answers nothing: resolving the host is all there is to check. */
  async check(): Promise<void> {
    await lookup(this.host);
  }

  async close(): Promise<void> {
    this.#client.close();
  }
}
