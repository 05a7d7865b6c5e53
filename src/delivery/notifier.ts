import { unlessAborted } from './abort.js';

/** Wakes everyone waiting when something changed; each then looks again at what it waits for. */
export class Notifier {
  #wake!: () => void;
  #next = this.#arm();

  notify(): void {
    const wake = this.#wake;
    this.#next = this.#arm();
    wake();
  }

  /** Resolves on the next `notify()`; rejects with the signal's reason when it aborts first. */
  next(signal: AbortSignal): Promise<void> {
    return unlessAborted(this.#next, signal);
  }

  #arm(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }
}
