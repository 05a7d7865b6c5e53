/** How far a send got: records before `written` left in order; those from it on did not, for `error`. */
export interface SendResult {
  readonly written: number;
  readonly error?: unknown;
}

/** Carries syslog messages (unframed, one line each) to the receiver. */
export interface SyslogTransport {
  /** Sends the records in order; never throws (a failure is in the result). */
  send(records: readonly string[], signal: AbortSignal): Promise<SendResult>;
  /** Throws when the receiver cannot be reached (as far as the transport can tell). */
  check(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** An abort as an error with a code, for the retry reason (`network: ETIMEDOUT`). */
export function abortError(signal: AbortSignal): Error {
  const timedOut = (signal.reason as Error | undefined)?.name === 'TimeoutError';
  return Object.assign(new Error(timedOut ? 'no answer in time' : 'aborted', { cause: signal.reason }), {
    code: timedOut ? 'ETIMEDOUT' : 'ABORTED',
  });
}
