import { Generator } from '@loraflow/tensor-core';

/** The random choices of one fuzz case, drawn from a Philox stream keyed by (run seed, case index). */
export class CaseRandom {
  private readonly gen: Generator;
  private buffer: Uint32Array = new Uint32Array(0);
  private at = 0;

  constructor(seed: number, caseIndex: number) {
    // Philox seeds are numbers; mixing the case index in keeps every case reproducible on its own.
    this.gen = new Generator((seed * 1_000_003 + caseIndex) % 2 ** 48);
  }

  /** A uniform 32-bit integer. */
  uint32(): number {
    if (this.at >= this.buffer.length) {
      this.buffer = this.gen.nextUint32(64);
      this.at = 0;
    }
    return this.buffer[this.at++];
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : this.uint32() % n;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.uint32() / 2 ** 32 < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}
