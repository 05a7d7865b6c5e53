/** Counts per name, and their total. */
export class Tally {
  readonly #counts = new Map<string, number>();
  #total = 0;

  get total(): number {
    return this.#total;
  }

  get(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  add(name: string, delta: number): void {
    const count = this.get(name) + delta;
    if (count === 0) this.#counts.delete(name);
    else this.#counts.set(name, count);
    this.#total += delta;
  }
}
