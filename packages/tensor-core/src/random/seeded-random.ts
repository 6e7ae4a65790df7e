import { splitmix32Uniform, type UniformStream } from './uniform-streams.js';

/** A small deterministic PRNG (splitmix32 stream) for shuffles, crops and scene layout; the same seed gives the same numbers everywhere. */
export class SeededRandom {
  private readonly stream: UniformStream;

  /** A number seed or a name (hashed, so names give independent streams). */
  constructor(seed: number | string) {
    this.stream = splitmix32Uniform(seed);
  }

  /** Next uniform number in [0, 1). */
  next(): number {
    return this.stream();
  }

  /** Uniform number in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element picked uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Shuffles an array in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = items[i]; items[i] = items[j]; items[j] = t;
    }
    return items;
  }
}
