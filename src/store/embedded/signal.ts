/**
 * Tells waiters that something happened. A waiter takes `next()` BEFORE it looks, so an event
 * between its look and its wait still wakes it.
 */
export class Signal {
  #wake: () => void = () => {};
  #next: Promise<void> = this.#renew();

  next(): Promise<void> {
    return this.#next;
  }

  notify(): void {
    const wake = this.#wake;
    this.#next = this.#renew();
    wake();
  }

  #renew(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }
}

/** Waits for `event`, at most `ms`. */
export async function waitAtMost(event: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([event, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
