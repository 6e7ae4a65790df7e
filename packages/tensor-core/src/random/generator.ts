import { philox4x32 } from './philox.js';
import { TWO_POW_32 } from './uniform-streams.js';

/**
 * The tensor member of the host random family (random/uniform-streams.ts holds the small plain streams):
 * a seeded random stream (Philox4x32-10 keyed by the seed, counting 128-bit blocks).
 * Numbers are produced on the host, so every backend sees the same values for the same seed.
 */
export class Generator {
  private readonly key: [number, number];
  private offset = 0;

  /** A generator whose stream is fixed by `seed` (any safe integer). */
  constructor(readonly seed: number = 0) {
    this.key = [seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0];
  }

  /** Blocks consumed so far; restoring it (with `setOffset`) resumes the stream exactly. */
  getOffset(): number {
    return this.offset;
  }

  /** Moves the stream to a block offset (for resuming training runs). */
  setOffset(offset: number): void {
    this.offset = offset;
  }

  /** `n` raw 32-bit words. */
  nextUint32(n: number): Uint32Array {
    const blocks = Math.ceil(n / 4);
    const out = new Uint32Array(blocks * 4);
    const block = new Uint32Array(4);
    for (let b = 0; b < blocks; b++) {
      const c = this.offset + b;
      philox4x32([c >>> 0, Math.floor(c / TWO_POW_32) >>> 0, 0, 0], this.key, block);
      out.set(block, b * 4);
    }
    this.offset += blocks;
    return out.subarray(0, n);
  }

  /** `n` uniforms in [0, 1) with 24 bits of resolution (exactly representable in f32). */
  uniform(n: number): Float32Array {
    const words = this.nextUint32(n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (words[i] >>> 8) * 2 ** -24;
    return out;
  }

  /** `n` standard normals by Box-Muller over pairs of uniforms in (0, 1]. */
  normal(n: number): Float32Array {
    const words = this.nextUint32(n + (n & 1));
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = ((words[i] >>> 8) + 1) * 2 ** -24;
      const u2 = (words[i + 1] >>> 8) * 2 ** -24;
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }
}

let globalGenerator = new Generator(0);

/** Reseeds the default generator used when no seed or generator is given. */
export function manualSeed(seed: number): void {
  globalGenerator = new Generator(seed);
}

/** The default generator (seed 0 unless `manualSeed` was called). */
export function defaultGenerator(): Generator {
  return globalGenerator;
}
