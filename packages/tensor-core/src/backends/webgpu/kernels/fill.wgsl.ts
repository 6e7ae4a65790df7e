import type { KernelSource } from '../pipeline-cache.js';
import { WGSL_MAIN_1D, WGSL_PRELUDE } from './wgsl-prelude.js';

/** dst[i] = word for i < n. Params: [n, word]. */
export function fillKernel(): KernelSource {
  return {
    key: 'fill',
    wgsl: () => `${WGSL_PRELUDE}
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
${WGSL_MAIN_1D} {
  let i = flat_index(gid, nwg);
  if (i >= pu(0u)) { return; }
  dst[i] = pu(1u);
}
`,
  };
}
