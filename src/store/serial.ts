/**
 * Runs async calls one after another, in call order; a failed call does not stop the next.
 * Outboxes use it so that two `take` calls never hand out the same entries.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(call: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(call);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
