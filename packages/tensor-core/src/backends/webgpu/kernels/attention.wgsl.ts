import type { KernelSource } from '../pipeline-cache.js';
import { WGSL_MATH } from './wgsl-math.js';
import { WGSL_PRELUDE } from './wgsl-prelude.js';

/** Query rows per workgroup of the fused attention kernel (one row per thread). */
export const ATTENTION_ROWS = 64;
/** Keys staged in workgroup memory per step (K and V slices of this many rows). */
export const ATTENTION_KEYS = 16;

/**
 * Fused scaled-dot-product attention, flash-attention style: each thread owns one query row and
 * keeps its running max, normaliser and output row in registers while the workgroup streams K / V
 * through workgroup memory ATTENTION_KEYS rows at a time, so the [Lq, Lk] score matrix is never
 * stored. Causal masking (key j visible to query i when j <= i) skips whole key blocks past the
 * workgroup's last row; an optional additive f32 mask [Lq, Lk] per batch (batch stride 0
 * broadcasts). A row with every key masked gives NaN, like softmax over all -inf.
 * Params: [batch, Lq, Lk, scale(f32), kBatchStride, vBatchStride, maskBatchStride, causal, qBlocks].
 */
export function attentionKernel(d: number, dv: number, masked: boolean): KernelSource {
  const R = ATTENTION_ROWS;
  const BK = ATTENTION_KEYS;
  return {
    key: `attention:d${d}:dv${dv}:${masked ? 'mask' : 'nomask'}`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_MATH}
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read_write> O: array<f32>;
${masked ? '@group(0) @binding(5) var<storage, read> MASK: array<f32>;' : ''}
var<workgroup> Ks: array<f32, ${BK * d}>;
var<workgroup> Vs: array<f32, ${BK * dv}>;
@compute @workgroup_size(${R})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let batch = pu(0u);
  let Lq = pu(1u);
  let Lk = pu(2u);
  let scale = pf(3u);
  let causal = pu(7u) != 0u;
  let qBlocks = pu(8u);
  let flat = wid.x + wid.y * nwg.x;
  let b = flat / qBlocks;
  if (b >= batch) { return; }
  let firstRow = (flat % qBlocks) * ${R}u;
  let i = firstRow + t;
  let valid = i < Lq;
  let qBase = (b * Lq + min(i, Lq - 1u)) * ${d}u;
  let kBase = b * pu(4u);
  let vBase = b * pu(5u);
  var q: array<f32, ${d}>;
  for (var c = 0u; c < ${d}u; c = c + 1u) { q[c] = Q[qBase + c] * scale; }
  var acc: array<f32, ${dv}>;
  var m = -inf_f32();
  var l = 0.0;
  var keyEnd = Lk;
  if (causal) { keyEnd = min(Lk, firstRow + ${R}u); }
  for (var k0 = 0u; k0 < keyEnd; k0 = k0 + ${BK}u) {
    for (var e = t; e < ${BK * d}u; e = e + ${R}u) {
      let j = k0 + e / ${d}u;
      Ks[e] = select(0.0, K[kBase + j * ${d}u + e % ${d}u], j < Lk);
    }
    for (var e = t; e < ${BK * dv}u; e = e + ${R}u) {
      let j = k0 + e / ${dv}u;
      Vs[e] = select(0.0, V[vBase + j * ${dv}u + e % ${dv}u], j < Lk);
    }
    workgroupBarrier();
    if (valid) {
      var s: array<f32, ${BK}>;
      var blockMax = -inf_f32();
      for (var j = 0u; j < ${BK}u; j = j + 1u) {
        let key = k0 + j;
        var x = -inf_f32();
        if (key < Lk && (!causal || key <= i)) {
          var dot = 0.0;
          for (var c = 0u; c < ${d}u; c = c + 1u) { dot = dot + q[c] * Ks[j * ${d}u + c]; }
          x = dot${masked ? ' + MASK[b * pu(6u) + i * Lk + key]' : ''};
        }
        s[j] = x;
        blockMax = max(blockMax, x);
      }
      let mNew = max(m, blockMax);
      if (mNew > -inf_f32()) {
        let corr = select(exp(m - mNew), 0.0, m == -inf_f32());
        l = l * corr;
        for (var c = 0u; c < ${dv}u; c = c + 1u) { acc[c] = acc[c] * corr; }
        for (var j = 0u; j < ${BK}u; j = j + 1u) {
          if (s[j] > -inf_f32()) {
            let p = exp(s[j] - mNew);
            l = l + p;
            for (var c = 0u; c < ${dv}u; c = c + 1u) { acc[c] = acc[c] + p * Vs[j * ${dv}u + c]; }
          }
        }
        m = mNew;
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    let oBase = (b * Lq + i) * ${dv}u;
    let inv = select(nan_f32(), 1.0 / l, l > 0.0);
    for (var c = 0u; c < ${dv}u; c = c + 1u) { O[oBase + c] = acc[c] * inv; }
  }
}
`,
  };
}
