import type { KernelSource } from '../pipeline-cache.js';
import { ATTENTION_PROLOGUE, attentionMain, headRow, lines, range, rowDot, queryRowRegisters } from './attention-registers.wgsl.js';
import { WGSL_MATH } from './wgsl-math.js';
import { WGSL_PRELUDE } from './wgsl-prelude.js';

/** Invocations per workgroup of the fused attention kernels. */
export const ATTENTION_WG = 64;

/**
 * Fused attention forward (Backend.flashAttention): out = softmax(scale q k^T + mask) v and each
 * row's logsumexp, never storing the score matrix. Each invocation owns `rows` query rows
 * (strided ATTENTION_WG apart) with q, the output accumulator, running max and normaliser in
 * registers, and walks the keys one at a time with an online softmax. Every loaded K / V row is
 * used by all `rows` rows: on software adapters each load costs about as much per invocation as
 * dozens of multiply-adds, so rows per invocation is what buys speed (and compile time, which
 * grows with the registers held). Causal (key j visible to row i when j <= i) stops the key loop
 * after the workgroup's last row; the additive mask is [seqQ, seqK] per group of heads.
 * Layout: q / out [bh, seqQ, d], k / v [bh, seqK, d], lse [bh, seqQ], f32.
 */
export function attentionForwardKernel(d: number, masked: boolean, rows: number): KernelSource {
  const h = headRow(d);
  const { n, type: T } = h;
  const WG = ATTENTION_WG;
  const rs = range(rows);
  return {
    key: `attention-forward:d${d}:r${rows}:${masked ? 'mask' : 'nomask'}`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_MATH}
@group(0) @binding(1) var<storage, read> Q: array<${T}>;
@group(0) @binding(2) var<storage, read> K: array<${T}>;
@group(0) @binding(3) var<storage, read> V: array<${T}>;
@group(0) @binding(4) var<storage, read_write> O: array<${T}>;
@group(0) @binding(5) var<storage, read_write> LSE: array<f32>;
${masked ? '@group(0) @binding(6) var<storage, read> MASK: array<f32>;' : ''}
${attentionMain(WG)} {
${ATTENTION_PROLOGUE}
  let firstRow = blk * ${WG * rows}u;
  let kHead = b * Lk * ${n}u;
  // Rows past seqQ redo the last row (no divergent exits) and store nothing.
  ${rs.map((r) => `${queryRowRegisters(r, WG, n)}
  ${lines(n, (c) => `var a${r}_${c} = ${T}(0.0);`, '\n  ')}
  var m${r} = -inf_f32();
  var l${r} = 0.0;`).join('\n  ')}
  var keyEnd = Lk;
  if (causal) { keyEnd = min(Lk, firstRow + ${WG * rows}u); }
  for (var j = 0u; j < keyEnd; j = j + 1u) {
    let kr = kHead + j * ${n}u;
    ${lines(n, (c) => `let k${c} = K[kr + ${c}u];`)}
    ${rs.map((r) => `let s${r} = select(-inf_f32(), ${rowDot(h, (c) => `q${r}_${c}`, (c) => `k${c}`)}${masked ? ` + MASK[maskBase + i${r} * Lk + j]` : ''}, !causal || j <= i${r});
    // Online softmax with one exp: a new maximum rescales the old terms by exp(m - s) and adds 1,
    // otherwise the key adds exp(s - m). Masked keys (s = -inf) add 0, also before any visible key.
    let up${r} = s${r} > m${r};
    let e${r} = exp(select(select(s${r} - m${r}, m${r} - s${r}, up${r}), -inf_f32(), s${r} == -inf_f32()));
    let corr${r} = select(1.0, e${r}, up${r});
    let p${r} = select(e${r}, 1.0, up${r});
    l${r} = l${r} * corr${r} + p${r};
    m${r} = max(m${r}, s${r});`).join('\n    ')}
    ${lines(n, (c) => `let v${c} = V[kr + ${c}u];
    ${rs.map((r) => `a${r}_${c} = a${r}_${c} * corr${r} + p${r} * v${c};`).join('\n    ')}`)}
  }
  ${rs.map((r) => `if (row${r} < Lq) {
    // Every key masked: 0 / 0 = NaN like softmax over -inf, and lse = -inf.
    let inv${r} = select(nan_f32(), 1.0 / l${r}, l${r} > 0.0);
    ${lines(n, (c) => `O[qRow${r} + ${c}u] = a${r}_${c} * inv${r};`)}
    LSE[b * Lq + i${r}] = m${r} + log_acc(l${r});
  }`).join('\n  ')}
}
`,
  };
}
