/** The randomness generation draws on; seeded for reproducible streams. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** `digits` lower-case hex characters. */
  hex(digits: number): string;
}

/** Seeded with mulberry32 (tiny, fast, good enough for test data); Math.random otherwise. */
export function createRandom(seed?: number): Random {
  const next = seed === undefined ? Math.random : mulberry32(seed);
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    hex: (digits) => {
      let out = '';
      while (out.length < digits) out += int(0, 0xffff).toString(16).padStart(4, '0');
      return out.slice(0, digits);
    },
  };
}

/** A picker that draws items in proportion to their weights. */
export function weightedPicker<T>(entries: readonly (readonly [T, number])[]): (random: Random) => T {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  if (entries.length === 0 || !(total > 0)) throw new RangeError('weightedPicker needs a positive total weight');
  return (random) => {
    let roll = random.next() * total;
    for (const [item, weight] of entries) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return entries[entries.length - 1]![0];
  };
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
