import type { KernelSource } from '../pipeline-cache.js';
import { WGSL_MAIN_1D, WGSL_PRELUDE } from './wgsl-prelude.js';

/**
 * out[o, i, n] = src[o, index[i], n] for an [outer, axisLen, inner] src; an out-of-range index
 * (only possible for indices computed on the GPU, uploaded ones are checked on the host) gives NaN.
 * Params: [outer * count * inner, count, inner, axisLen].
 */
export function gatherKernel(): KernelSource {
  return {
    key: 'gather',
    wgsl: () => `${WGSL_PRELUDE}
var<private> NAN_BITS: u32 = 0x7fc00000u;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
${WGSL_MAIN_1D} {
  let i = flat_index(gid, nwg);
  if (i >= pu(0u)) { return; }
  let count = pu(1u);
  let inner = pu(2u);
  let axisLen = pu(3u);
  let n = i % inner;
  let oi = i / inner;
  let o = oi / count;
  let at = index[oi - o * count];
  if (at < 0 || u32(at) >= axisLen) { dst[i] = bitcast<f32>(NAN_BITS); return; }
  dst[i] = src[(o * axisLen + u32(at)) * inner + n];
}
`,
  };
}
