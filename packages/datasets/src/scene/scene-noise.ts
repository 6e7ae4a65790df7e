import { hashString, type SeededRandom } from '@loraflow/tensor-core';

function lattice(seed: number, i: number): number {
  let z = Math.imul(seed ^ Math.imul(i, 0x27d4eb2d), 0x85ebca6b);
  z ^= z >>> 15;
  z = Math.imul(z, 0xc2b2ae35);
  z ^= z >>> 13;
  return (z >>> 0) / 4294967296;
}

/** Smooth 1D fractal value noise in [0, 1] over unit-space x; depends only on the rng draw, never on resolution. */
export function noise1d(rng: SeededRandom, frequency: number, octaves = 3): (x: number) => number {
  const seed = Math.floor(rng.next() * 4294967296) ^ hashString('noise');
  return (x: number) => {
    let sum = 0, amp = 1, norm = 0, f = frequency;
    for (let o = 0; o < octaves; o++) {
      const p = x * f + o * 17.31;
      const i = Math.floor(p), t = p - i, s = t * t * (3 - 2 * t);
      sum += amp * (lattice(seed + o, i) * (1 - s) + lattice(seed + o, i + 1) * s);
      norm += amp; amp *= 0.5; f *= 2;
    }
    return sum / norm;
  };
}
