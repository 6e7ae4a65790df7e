/**
 * The host random family's small streams: plain `() => number` uniforms in [0, 1) for sampling that
 * never touches a tensor (shuffles, crops, scene layout, training sigmas). Tensors draw from
 * `Generator` (Philox). Each stream keeps the exact sequence of the package it came from, so
 * committed fixtures and the base model's training data stay bit-identical per seed.
 */

/** A stream of uniform numbers in [0, 1). */
export type UniformStream = () => number;

/** 2^32, the range of one 32-bit word. */
export const TWO_POW_32 = 4294967296;

/** splitmix32 from a 32-bit seed or a name (hashed by `hashString`); the stream behind `SeededRandom`. */
export function splitmix32Uniform(seed: number | string): UniformStream {
  let state = typeof seed === 'string' ? hashString(seed) : (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / TWO_POW_32;
  };
}

/** mulberry32 from a 32-bit seed, for plain-array sampling such as training sigmas. */
export function seededUniform(seed: number): UniformStream {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  };
}

/** 32-bit FNV-1a hash of a string, used to derive independent seeds from names. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
