import type { KernelSource } from '../pipeline-cache.js';
import { WGSL_MATH } from './wgsl-math.js';
import { WGSL_PRELUDE } from './wgsl-prelude.js';

/**
 * The opening of both attention kernels: sizes from the uniform block and this workgroup's batch
 * entry. Trip counts come from uniforms so the shader compiler does not fully unroll the loops
 * (software adapters took minutes to compile the unrolled kernels).
 */
const BLOCK_PROLOGUE = `  let batch = pu(0u);
  let Lq = pu(1u);
  let Lk = pu(2u);
  let scale = pf(3u);
  let causal = pu(7u) != 0u;
  let qBlocks = pu(8u);
  let bk = pu(9u);
  let tprRun = pu(10u);
  let dRun = pu(11u);
  let dvRun = pu(12u);
  let flat = wid.x + wid.y * nwg.x;
  let b = flat / qBlocks;
  if (b >= batch) { return; }`;

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
 * Params: [batch, Lq, Lk, scale(f32), kBatchStride, vBatchStride, maskBatchStride, causal, qBlocks,
 * ATTENTION_KEYS, threads per row (sliced kernel), d, dv].
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
${BLOCK_PROLOGUE}
  let firstRow = (flat % qBlocks) * ${R}u;
  let i = firstRow + t;
  let valid = i < Lq;
  let qBase = (b * Lq + min(i, Lq - 1u)) * ${d}u;
  let kBase = b * pu(4u);
  let vBase = b * pu(5u);
  var q: array<f32, ${d}>;
  for (var c = 0u; c < dRun; c = c + 1u) { q[c] = Q[qBase + c] * scale; }
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
      for (var j = 0u; j < bk; j = j + 1u) {
        let key = k0 + j;
        var x = -inf_f32();
        if (key < Lk && (!causal || key <= i)) {
          var dot = 0.0;
          for (var c = 0u; c < dRun; c = c + 1u) { dot = dot + q[c] * Ks[j * ${d}u + c]; }
          x = dot${masked ? ' + MASK[b * pu(6u) + i * Lk + key]' : ''};
        }
        s[j] = x;
        blockMax = max(blockMax, x);
      }
      let mNew = max(m, blockMax);
      if (mNew > -inf_f32()) {
        let corr = select(exp(m - mNew), 0.0, m == -inf_f32());
        l = l * corr;
        for (var c = 0u; c < dvRun; c = c + 1u) { acc[c] = acc[c] * corr; }
        for (var j = 0u; j < bk; j = j + 1u) {
          if (s[j] > -inf_f32()) {
            let p = exp(s[j] - mNew);
            l = l + p;
            for (var c = 0u; c < dvRun; c = c + 1u) { acc[c] = acc[c] + p * Vs[j * ${dv}u + c]; }
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
    for (var c = 0u; c < dvRun; c = c + 1u) { O[oBase + c] = acc[c] * inv; }
  }
}
`,
  };
}

/** Threads of the sliced attention kernel's workgroup. */
const SLICED_THREADS = 64;

/** Whether the sliced kernel handles these head dims (16-wide output slices, 4-aligned query slices). */
export function slicedAttentionFits(d: number, dv: number): boolean {
  const tpr = dv / 16;
  return dv % 16 === 0 && tpr <= SLICED_THREADS && d % (4 * tpr) === 0;
}

/** Query rows per workgroup of the sliced kernel for a value head dim. */
export function slicedAttentionRows(dv: number): number {
  return SLICED_THREADS / (dv / 16);
}

/**
 * The same attention, with each query row split over dv/16 threads: a thread keeps a 16-wide
 * slice of the output and the matching slice of q in named vec4 registers, partial dot products
 * meet in workgroup memory. Named registers (instead of dynamically indexed arrays) keep software
 * adapters from turning every access into a gather. Same params as `attentionKernel`.
 */
export function slicedAttentionKernel(d: number, dv: number, masked: boolean): KernelSource {
  const BK = ATTENTION_KEYS;
  const tpr = dv / 16;
  const rows = SLICED_THREADS / tpr;
  const d4 = d / 4;
  const dv4 = dv / 4;
  const qRegs = d / tpr / 4;
  const regs = (n: number, f: (k: number) => string) => Array.from({ length: n }, (_, k) => f(k)).join('\n    ');
  return {
    key: `attention-sliced:d${d}:dv${dv}:${masked ? 'mask' : 'nomask'}`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_MATH}
@group(0) @binding(1) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> V: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> O: array<vec4<f32>>;
${masked ? '@group(0) @binding(5) var<storage, read> MASK: array<f32>;' : ''}
var<workgroup> Ks: array<vec4<f32>, ${BK * d4}>;
var<workgroup> Vs: array<vec4<f32>, ${BK * dv4}>;
var<workgroup> part: array<f32, ${SLICED_THREADS * BK}>;
var<workgroup> sc: array<f32, ${SLICED_THREADS * BK}>;
@compute @workgroup_size(${SLICED_THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
${BLOCK_PROLOGUE}
  let firstRow = (flat % qBlocks) * ${rows}u;
  let r = t / ${tpr}u;
  let sl = t % ${tpr}u;
  let i = firstRow + r;
  let valid = i < Lq;
  let qBase = (b * Lq + min(i, Lq - 1u)) * ${d4}u + sl * ${qRegs}u;
  let kBase = b * pu(4u) / 4u;
  let vBase = b * pu(5u) / 4u;
  ${regs(qRegs, (k) => `let q${k} = Q[qBase + ${k}u] * scale;`)}
  ${regs(4, (k) => `var acc${k} = vec4<f32>(0.0);`)}
  var m = -inf_f32();
  var l = 0.0;
  var keyEnd = Lk;
  if (causal) { keyEnd = min(Lk, firstRow + ${rows}u); }
  for (var k0 = 0u; k0 < keyEnd; k0 = k0 + ${BK}u) {
    for (var e = t; e < ${BK * d4}u; e = e + ${SLICED_THREADS}u) {
      let j = k0 + e / ${d4}u;
      Ks[e] = select(vec4<f32>(0.0), K[kBase + j * ${d4}u + e % ${d4}u], j < Lk);
    }
    for (var e = t; e < ${BK * dv4}u; e = e + ${SLICED_THREADS}u) {
      let j = k0 + e / ${dv4}u;
      Vs[e] = select(vec4<f32>(0.0), V[vBase + j * ${dv4}u + e % ${dv4}u], j < Lk);
    }
    workgroupBarrier();
    for (var j = 0u; j < bk; j = j + 1u) {
      let kq = j * ${d4}u + sl * ${qRegs}u;
      let p4 = ${regs(qRegs, (k) => `q${k} * Ks[kq + ${k}u]`).split('\n    ').join(' + ')};
      part[t * ${BK}u + j] = p4.x + p4.y + p4.z + p4.w;
    }
    workgroupBarrier();
    var blockMax = -inf_f32();
    for (var j = 0u; j < bk; j = j + 1u) {
      let key = k0 + j;
      var x = -inf_f32();
      if (valid && key < Lk && (!causal || key <= i)) {
        x = 0.0;
        for (var s = 0u; s < tprRun; s = s + 1u) { x = x + part[(r * ${tpr}u + s) * ${BK}u + j]; }
        ${masked ? 'x = x + MASK[b * pu(6u) + i * Lk + key];' : ''}
      }
      sc[t * ${BK}u + j] = x;
      blockMax = max(blockMax, x);
    }
    let mNew = max(m, blockMax);
    if (mNew > -inf_f32()) {
      let corr = select(exp(m - mNew), 0.0, m == -inf_f32());
      l = l * corr;
      ${regs(4, (k) => `acc${k} = acc${k} * corr;`)}
      for (var j = 0u; j < bk; j = j + 1u) {
        let x = sc[t * ${BK}u + j];
        if (x > -inf_f32()) {
          let p = exp(x - mNew);
          l = l + p;
          let vo = j * ${dv4}u + sl * 4u;
          ${regs(4, (k) => `acc${k} = acc${k} + p * Vs[vo + ${k}u];`)}
        }
      }
      m = mNew;
    }
    workgroupBarrier();
  }
  if (valid) {
    let oBase = (b * Lq + i) * ${dv4}u + sl * 4u;
    let inv = select(nan_f32(), 1.0 / l, l > 0.0);
    ${regs(4, (k) => `O[oBase + ${k}u] = acc${k} * inv;`)}
  }
}
`,
  };
}
