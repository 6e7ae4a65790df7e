/** Seeded standard-normal samples (mulberry32 + Box-Muller), so every test input is reproducible. */
export function seededNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A Float32Array of `n` seeded normal samples times `scale`. */
export function normalArray(n: number, seed: number, scale = 1): Float32Array {
  const next = seededNormal(seed);
  return Float32Array.from({ length: n }, () => next() * scale);
}
