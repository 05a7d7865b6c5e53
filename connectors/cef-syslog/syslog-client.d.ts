/** The part of syslog-client 1.1.1 (no types of its own) that transport-udp.ts uses. */
declare module 'syslog-client' {
  import { EventEmitter } from 'node:events';

  export const Transport: { readonly Tcp: 1; readonly Udp: 2 };

  export interface ClientOptions {
    /** @default 514 */
    readonly port?: number;
    readonly transport?: (typeof Transport)[keyof typeof Transport];
  }

  /** Emits `error` (a listener is required) and `close`. */
  export class Client extends EventEmitter {
    constructor(target?: string, options?: ClientOptions);
    log(message: string, callback: (error?: Error) => void): this;
    close(): this;
    /** Builds the bytes `log()` sends: syslog header + message + LF (undocumented, but the seam `log()` goes through). */
    buildFormattedMessage(message: string, options: object): Buffer;
  }
}
