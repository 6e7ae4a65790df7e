import type { KernelSource } from '../pipeline-cache.js';
import { WGSL_MAIN_1D, WGSL_PRELUDE } from './wgsl-prelude.js';

/**
 * out[b * rows + r] = sum of src[b * srcBatchStride + colIdx[j]] over j in rowPtr[r]..rowPtr[r+1]:
 * one thread per output, a gather-sum, so adjoints (col2im) need no float atomics.
 * Params: [batch * rows, rows, srcBatchStride].
 */
export function indexedSumKernel(): KernelSource {
  return {
    key: 'indexed-sum',
    wgsl: () => `${WGSL_PRELUDE}
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> rowPtr: array<i32>;
@group(0) @binding(3) var<storage, read> colIdx: array<i32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
${WGSL_MAIN_1D} {
  let i = flat_index(gid, nwg);
  if (i >= pu(0u)) { return; }
  let rows = pu(1u);
  let b = i / rows;
  let r = i - b * rows;
  let base = i32(b * pu(2u));
  var acc = 0.0;
  for (var j = rowPtr[r]; j < rowPtr[r + 1u]; j = j + 1) { acc = acc + src[base + colIdx[j]]; }
  dst[i] = acc;
}
`,
  };
}
