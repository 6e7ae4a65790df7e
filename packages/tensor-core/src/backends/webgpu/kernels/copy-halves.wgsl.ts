import type { KernelSource } from '../pipeline-cache.js';
import { stridedOffsetsWgsl } from './strided-index.wgsl.js';
import { WGSL_MAIN_1D, WGSL_PRELUDE } from './wgsl-prelude.js';

/**
 * dst[od] = src[os] for packed-half storage (two f16 per word), both sides strided in elements.
 * Neighbouring destination halves share a word and may belong to different threads, so each
 * thread clears and sets only its own half with atomics. Params: strided layout (stridedParams).
 */
export function copyHalvesKernel(rank: number): KernelSource {
  return {
    key: `copy-halves:r${rank}`,
    wgsl: () => `${WGSL_PRELUDE}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<atomic<u32>>;
${WGSL_MAIN_1D} {
  let i = flat_index(gid, nwg);
  if (i >= pu(0u)) { return; }
${stridedOffsetsWgsl(rank, 2)}
  let s = u32(o0);
  let d = u32(o1);
  let h = (src[s >> 1u] >> ((s & 1u) * 16u)) & 0xffffu;
  let shift = (d & 1u) * 16u;
  atomicAnd(&dst[d >> 1u], ~(0xffffu << shift));
  atomicOr(&dst[d >> 1u], h << shift);
}
`,
  };
}
