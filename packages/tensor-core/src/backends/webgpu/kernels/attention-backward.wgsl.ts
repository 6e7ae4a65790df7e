import type { KernelSource } from '../pipeline-cache.js';
import { ATTENTION_WG } from './attention-forward.wgsl.js';
import { ATTENTION_PROLOGUE, attentionMain, headRow, lines, range, rowDot, queryRowRegisters } from './attention-registers.wgsl.js';
import { WGSL_MATH } from './wgsl-math.js';
import { WGSL_PRELUDE } from './wgsl-prelude.js';

/**
 * First half of the fused attention backward: dQ, and D = rowsum(dO * O) for the second half.
 * Each invocation owns `rows` query rows (q, dO and the dQ accumulator in registers) and walks
 * the keys, recomputing P = exp(scale q k^T + mask - lse) from the forward's logsumexp:
 * dS = P (dO v^T - D), dQ = scale dS k. Params as attentionForwardKernel's.
 * Bindings: q, k, v, out, dOut, stats ([lse | D], D written), dq, mask.
 */
export function attentionGradQKernel(d: number, masked: boolean, rows: number): KernelSource {
  const h = headRow(d);
  const { n, type: T } = h;
  const WG = ATTENTION_WG;
  const rs = range(rows);
  return {
    key: `attention-grad-q:d${d}:r${rows}:${masked ? 'mask' : 'nomask'}`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_MATH}
@group(0) @binding(1) var<storage, read> Q: array<${T}>;
@group(0) @binding(2) var<storage, read> K: array<${T}>;
@group(0) @binding(3) var<storage, read> V: array<${T}>;
@group(0) @binding(4) var<storage, read> O: array<${T}>;
@group(0) @binding(5) var<storage, read> DO: array<${T}>;
// [lse rows | D rows]: lse is read here, D written for attentionGradKVKernel (eight storage bindings at most).
@group(0) @binding(6) var<storage, read_write> STATS: array<f32>;
@group(0) @binding(7) var<storage, read_write> DQ: array<${T}>;
${masked ? '@group(0) @binding(8) var<storage, read> MASK: array<f32>;' : ''}
${attentionMain(WG)} {
${ATTENTION_PROLOGUE}
  let firstRow = blk * ${WG * rows}u;
  let kHead = b * Lk * ${n}u;
  ${rs.map((r) => `${queryRowRegisters(r, WG, n)}
  ${lines(n, (c) => `let g${r}_${c} = DO[qRow${r} + ${c}u];`, '\n  ')}
  let D${r} = ${rowDot(h, (c) => `g${r}_${c}`, (c) => `O[qRow${r} + ${c}u]`)};
  let lse${r} = STATS[b * Lq + i${r}];
  ${lines(n, (c) => `var a${r}_${c} = ${T}(0.0);`, '\n  ')}`).join('\n  ')}
  var keyEnd = Lk;
  if (causal) { keyEnd = min(Lk, firstRow + ${WG * rows}u); }
  for (var j = 0u; j < keyEnd; j = j + 1u) {
    let kr = kHead + j * ${n}u;
    ${lines(n, (c) => `let k${c} = K[kr + ${c}u];`)}
    ${lines(n, (c) => `let v${c} = V[kr + ${c}u];`)}
    ${rs.map((r) => `let s${r} = select(-inf_f32(), ${rowDot(h, (c) => `q${r}_${c}`, (c) => `k${c}`)}${masked ? ` + MASK[maskBase + i${r} * Lk + j]` : ''}, !causal || j <= i${r});
    let p${r} = exp(s${r} - lse${r});
    let ds${r} = p${r} * (${rowDot(h, (c) => `g${r}_${c}`, (c) => `v${c}`)} - D${r});
    ${lines(n, (c) => `a${r}_${c} = a${r}_${c} + ds${r} * k${c};`)}`).join('\n    ')}
  }
  ${rs.map((r) => `if (row${r} < Lq) {
    ${lines(n, (c) => `DQ[qRow${r} + ${c}u] = a${r}_${c} * scale;`)}
    STATS[(bh + b) * Lq + i${r}] = D${r};
  }`).join('\n  ')}
}
`,
  };
}

/**
 * Second half of the fused attention backward: dK and dV. Each invocation owns `rows` keys (k, v
 * and both accumulators in registers) and walks the query rows, recomputing P from lse:
 * dV = P^T dO, dK = scale dS^T q with dS = P (dO v^T - D). Causal skips the rows before the
 * workgroup's first key (they see none of its keys). Params as attentionForwardKernel's, with
 * blocks counting key blocks. Bindings: q, k, v, dOut, stats ([lse | D]), dk, dv, mask.
 */
export function attentionGradKVKernel(d: number, masked: boolean, rows: number): KernelSource {
  const h = headRow(d);
  const { n, type: T } = h;
  const WG = ATTENTION_WG;
  const rs = range(rows);
  return {
    key: `attention-grad-kv:d${d}:r${rows}:${masked ? 'mask' : 'nomask'}`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_MATH}
@group(0) @binding(1) var<storage, read> Q: array<${T}>;
@group(0) @binding(2) var<storage, read> K: array<${T}>;
@group(0) @binding(3) var<storage, read> V: array<${T}>;
@group(0) @binding(4) var<storage, read> DO: array<${T}>;
@group(0) @binding(5) var<storage, read> STATS: array<f32>;
@group(0) @binding(6) var<storage, read_write> DK: array<${T}>;
@group(0) @binding(7) var<storage, read_write> DV: array<${T}>;
${masked ? '@group(0) @binding(8) var<storage, read> MASK: array<f32>;' : ''}
${attentionMain(WG)} {
${ATTENTION_PROLOGUE}
  let firstKey = blk * ${WG * rows}u;
  let qHead = b * Lq * ${n}u;
  // Keys past seqK redo the last key (no divergent exits) and store nothing.
  ${rs.map((r) => `let key${r} = firstKey + t + ${r * WG}u;
  let j${r} = min(key${r}, Lk - 1u);
  let kRow${r} = (b * Lk + j${r}) * ${n}u;
  ${lines(n, (c) => `let k${r}_${c} = K[kRow${r} + ${c}u];`, '\n  ')}
  ${lines(n, (c) => `let v${r}_${c} = V[kRow${r} + ${c}u];`, '\n  ')}
  ${lines(n, (c) => `var dk${r}_${c} = ${T}(0.0);`, '\n  ')}
  ${lines(n, (c) => `var dv${r}_${c} = ${T}(0.0);`, '\n  ')}`).join('\n  ')}
  var rowStart = 0u;
  if (causal) { rowStart = min(firstKey, Lq); }
  for (var i = rowStart; i < Lq; i = i + 1u) {
    let qr = qHead + i * ${n}u;
    ${lines(n, (c) => `let q${c} = Q[qr + ${c}u] * scale;`)}
    ${lines(n, (c) => `let g${c} = DO[qr + ${c}u];`)}
    let lse = STATS[b * Lq + i];
    let D = STATS[(bh + b) * Lq + i];
    ${rs.map((r) => `let s${r} = select(-inf_f32(), ${rowDot(h, (c) => `q${c}`, (c) => `k${r}_${c}`)}${masked ? ` + MASK[maskBase + i * Lk + j${r}]` : ''}, !causal || j${r} <= i);
    let p${r} = exp(s${r} - lse);
    let ds${r} = p${r} * (${rowDot(h, (c) => `g${c}`, (c) => `v${r}_${c}`)} - D);
    ${lines(n, (c) => `dv${r}_${c} = dv${r}_${c} + p${r} * g${c};`)}
    ${lines(n, (c) => `dk${r}_${c} = dk${r}_${c} + ds${r} * q${c};`)}`).join('\n    ')}
  }
  ${rs.map((r) => `if (key${r} < Lk) {
    ${lines(n, (c) => `DK[kRow${r} + ${c}u] = dk${r}_${c};`)}
    ${lines(n, (c) => `DV[kRow${r} + ${c}u] = dv${r}_${c};`)}
  }`).join('\n  ')}
}
`,
  };
}
