/**
 * The small kernels of the blocked attention backward (webgpu-attention.ts), which runs its
 * products as matmuls for head dims where the fused kernels fit only one row per invocation.
 * All are 1-D elementwise kernels over flat indices: no registers held across loops, so they
 * compile in well under a second on software adapters.
 */
import type { KernelSource } from '../pipeline-cache.js';
import { WGSL_MAIN_1D, WGSL_PRELUDE } from './wgsl-prelude.js';

/**
 * D = rowsum(dO * O) per query row, written after the lse rows of STATS ([lse | D]).
 * Params: [rows (bh * seqQ), headDim]. Bindings: out, dOut, stats.
 */
export function attentionRowDotKernel(): KernelSource {
  return {
    key: 'attention-row-dot',
    wgsl: () => `${WGSL_PRELUDE}
@group(0) @binding(1) var<storage, read> O: array<f32>;
@group(0) @binding(2) var<storage, read> DO: array<f32>;
@group(0) @binding(3) var<storage, read_write> STATS: array<f32>;
${WGSL_MAIN_1D} {
  let rows = pu(0u);
  let d = pu(1u);
  let r = flat_index(gid, nwg);
  if (r >= rows) { return; }
  var acc = 0.0;
  for (var c = 0u; c < d; c = c + 1u) { acc = acc + O[r * d + c] * DO[r * d + c]; }
  STATS[rows + r] = acc;
}
`,
  };
}

/**
 * Copies query rows [rowStart, rowStart + blockRows) of every head between a full [bh, seqQ, d]
 * tensor and a packed [bh, blockRows, d] block (matmul operands have no offsets).
 * Params: [bh, seqQ, blockRows, headDim, rowStart, toBlock]. Bindings: src, dst.
 */
export function attentionRowBlockCopyKernel(): KernelSource {
  return {
    key: 'attention-row-block-copy',
    wgsl: () => `${WGSL_PRELUDE}
@group(0) @binding(1) var<storage, read> SRC: array<f32>;
@group(0) @binding(2) var<storage, read_write> DST: array<f32>;
${WGSL_MAIN_1D} {
  let Lq = pu(1u);
  let R = pu(2u);
  let d = pu(3u);
  let e = flat_index(gid, nwg);
  if (e >= pu(0u) * R * d) { return; }
  let b = e / (R * d);
  let full = (b * Lq + pu(4u)) * d + e % (R * d);
  if (pu(5u) != 0u) { DST[e] = SRC[full]; } else { DST[full] = SRC[e]; }
}
`,
  };
}

/**
 * Probabilities and score gradients of a block of query rows, in place: S (raw q k^T) becomes
 * P = exp(scale S + mask - lse) (0 above the causal diagonal) and DP (dO v^T) becomes
 * dS = scale P (DP - D), so the matmuls that follow need no alpha. Layout [bh, blockRows, seqK].
 * Params: [bh, seqQ, seqK, scale(f32), causal, blockRows, rowStart, maskBatchStride, maskGroup].
 * Bindings: s, dp, stats ([lse | D]), mask.
 */
export function attentionBlockProbsKernel(masked: boolean): KernelSource {
  return {
    key: `attention-block-probs:${masked ? 'mask' : 'nomask'}`,
    wgsl: () => `${WGSL_PRELUDE}
@group(0) @binding(1) var<storage, read_write> S: array<f32>;
@group(0) @binding(2) var<storage, read_write> DP: array<f32>;
@group(0) @binding(3) var<storage, read> STATS: array<f32>;
${masked ? '@group(0) @binding(4) var<storage, read> MASK: array<f32>;' : ''}
${WGSL_MAIN_1D} {
  let bh = pu(0u);
  let Lq = pu(1u);
  let Lk = pu(2u);
  let scale = pf(3u);
  let R = pu(5u);
  let e = flat_index(gid, nwg);
  if (e >= bh * R * Lk) { return; }
  let j = e % Lk;
  let b = e / (R * Lk);
  let i = pu(6u) + (e / Lk) % R;
  let row = b * Lq + i;
  var p = 0.0;
  if (pu(4u) == 0u || j <= i) {
    p = exp(S[e] * scale${masked ? ' + MASK[(b / pu(8u)) * pu(7u) + i * Lk + j]' : ''} - STATS[row]);
  }
  S[e] = p;
  DP[e] = scale * p * (DP[e] - STATS[bh * Lq + row]);
}
`,
  };
}
