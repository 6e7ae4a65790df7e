import type { KernelSource } from '../pipeline-cache.js';
import { stridedOffsetsWgsl } from './strided-index.wgsl.js';
import { WGSL_MAIN_1D, WGSL_PRELUDE } from './wgsl-prelude.js';

/** out[i] = cond[oc] != 0 ? a[oa] : b[ob], all read through strides. */
export function whereKernel(rank: number): KernelSource {
  return {
    key: `where:r${rank}`,
    wgsl: () => `${WGSL_PRELUDE}
@group(0) @binding(1) var<storage, read> cond: array<u32>;
@group(0) @binding(2) var<storage, read> lhs: array<f32>;
@group(0) @binding(3) var<storage, read> rhs: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
${WGSL_MAIN_1D} {
  let i = flat_index(gid, nwg);
  if (i >= pu(0u)) { return; }
${stridedOffsetsWgsl(rank, 3)}
  dst[i] = select(rhs[o2], lhs[o1], cond[o0] != 0u);
}
`,
  };
}
