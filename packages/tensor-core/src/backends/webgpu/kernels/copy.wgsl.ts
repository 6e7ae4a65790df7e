import type { KernelSource } from '../pipeline-cache.js';
import { stridedOffsetsWgsl } from './strided-index.wgsl.js';
import { WGSL_MAIN_1D, WGSL_PRELUDE } from './wgsl-prelude.js';

/** dst[od] = src[os] for every index of a shape, both sides strided; copies raw words (any dtype). */
export function copyKernel(rank: number): KernelSource {
  return {
    key: `copy:r${rank}`,
    wgsl: () => `${WGSL_PRELUDE}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
${WGSL_MAIN_1D} {
  let i = flat_index(gid, nwg);
  if (i >= pu(0u)) { return; }
${stridedOffsetsWgsl(rank, 2)}
  dst[o1] = src[o0];
}
`,
  };
}
