/**
 * Settles like `promise`, or rejects with the signal's reason as soon as the signal aborts,
 * whichever comes first. The promise is then left to settle on its own (its outcome ignored),
 * so a callee that ignores the signal cannot hold its caller.
 */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
