import type { UnaryOp } from '../../../device/backend.js';
import type { KernelSource } from '../pipeline-cache.js';
import { UNARY_EXPR } from './unary.wgsl.js';
import { WGSL_MATH } from './wgsl-math.js';
import { WGSL_PRELUDE } from './wgsl-prelude.js';

/** Shape of the register-tiled matmul: threads per side, K depth per stage, vec4 global loads. */
export interface MatmulConfig {
  readonly transA: boolean;
  readonly transB: boolean;
  /** Threads per side of the (square) workgroup; each computes 4 x 4 outputs, so the tile is 4 * wg. */
  readonly wg: number;
  /** K depth staged in workgroup memory per step. */
  readonly tileK: number;
  /** Load A as vec4 along its contiguous axis (needs that axis and A's batch stride divisible by 4). */
  readonly vecA: boolean;
  /** Load B as vec4 along its contiguous axis (same condition). */
  readonly vecB: boolean;
  /** M, N are multiples of the tile and K of tileK: no bounds checks at all. */
  readonly fit: boolean;
  /** Epilogue: add a bias over columns (binding 4), then apply an activation, before the store. */
  readonly bias?: boolean;
  readonly activation?: UnaryOp | null;
  /** C = epilogue(alpha * A B + C_old): accumulate into the existing output (alpha is param 6). */
  readonly accumulate?: boolean;
}

/** Output rows / columns per workgroup for a config. */
export function matmulTile(c: Pick<MatmulConfig, 'wg'>): number {
  return c.wg * 4;
}

/**
 * Loads of one operand tile into workgroup memory laid out k-major as vec4 groups of 4 rows (A)
 * or 4 columns (B): `tile` holds (k, i) at [k * tile / 4 + i / 4][i % 4]. `contiguousK` says the
 * operand's K axis is contiguous in memory (A not transposed, B transposed).
 */
function tileLoad(name: 'A' | 'B', contiguousK: boolean, vec: boolean, fit: boolean, T: number, TK: number, threads: number, extent: string, other: string): string {
  const guard = (cond: string) => (fit ? 'true' : cond);
  const shared = `${name}s`;
  const origin = name === 'A' ? 'row0' : 'col0';
  const base = `${name.toLowerCase()}Base`;
  const src = vec ? `${name}4` : name;
  if (!vec) {
    const count = (T * TK) / threads;
    // Consecutive threads walk the contiguous axis so global reads coalesce.
    const split = contiguousK
      ? `let i = e / ${TK}u; let kk = e % ${TK}u;`
      : `let i = e % ${T}u; let kk = e / ${T}u;`;
    const addr = contiguousK ? `(${origin} + i) * K + k0 + kk` : `(k0 + kk) * ${other} + ${origin} + i`;
    return `for (var l = 0u; l < ${count}u; l = l + 1u) {
      let e = tid + l * ${threads}u;
      ${split}
      var v = 0.0;
      if (${guard(`${origin} + i < ${extent} && k0 + kk < K`)}) { v = ${src}[${base} + ${addr}]; }
      ${shared}[kk * ${T / 4}u + i / 4u][i % 4u] = v;
    }`;
  }
  const count = (T * TK) / (4 * threads);
  if (contiguousK) {
    // 4 consecutive k of one row / column: scatter into 4 k-slices.
    return `for (var l = 0u; l < ${count}u; l = l + 1u) {
      let e = tid + l * ${threads}u;
      let i = e / ${TK / 4}u; let kk = (e % ${TK / 4}u) * 4u;
      var v = vec4<f32>(0.0);
      if (${guard(`${origin} + i < ${extent} && k0 + kk < K`)}) { v = ${src}[(${base} + (${origin} + i) * K + k0 + kk) / 4u]; }
      ${shared}[kk * ${T / 4}u + i / 4u][i % 4u] = v.x;
      ${shared}[(kk + 1u) * ${T / 4}u + i / 4u][i % 4u] = v.y;
      ${shared}[(kk + 2u) * ${T / 4}u + i / 4u][i % 4u] = v.z;
      ${shared}[(kk + 3u) * ${T / 4}u + i / 4u][i % 4u] = v.w;
    }`;
  }
  // 4 consecutive rows / columns at one k: one vec4 store.
  return `for (var l = 0u; l < ${count}u; l = l + 1u) {
      let e = tid + l * ${threads}u;
      let i4 = e % ${T / 4}u; let kk = e / ${T / 4}u;
      var v = vec4<f32>(0.0);
      if (${guard(`${origin} + i4 * 4u < ${extent} && k0 + kk < K`)}) { v = ${src}[(${base} + (k0 + kk) * ${other} + ${origin} + i4 * 4u) / 4u]; }
      ${shared}[kk * ${T / 4}u + i4] = v;
    }`;
}

/**
 * Register-tiled batched matmul: a wg x wg workgroup computes a 4wg x 4wg output tile, each thread
 * a 4 x 4 block in four vec4 accumulators; K slices of A and B are staged in workgroup memory as
 * vec4 groups so the inner loop does two vec4 loads per 16 multiply-adds. Transposes and vec4
 * global loads are baked into the key, and so is an optional epilogue (bias over columns, then an
 * activation) applied before the store. Params: [M, N, K, aBatchStride, bBatchStride, batchBase].
 */
export function matmulKernel(c: MatmulConfig): KernelSource {
  const T = matmulTile(c);
  const TK = c.tileK;
  const threads = c.wg * c.wg;
  return {
    key: `matmul:wg${c.wg}:k${TK}:${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'}:${c.vecA ? 'v' : 's'}${c.vecB ? 'v' : 's'}${c.fit ? ':fit' : ''}${c.bias ? ':bias' : ''}${c.activation ? `:${c.activation}` : ''}${c.accumulate ? ':acc' : ''}`,
    wgsl: () => `${WGSL_PRELUDE}${c.activation ? WGSL_MATH : ''}
${c.bias ? '@group(0) @binding(4) var<storage, read> BIAS: array<f32>;' : ''}
fn epilogue(v: f32, old: f32, col: u32) -> f32 {
  var x = ${c.accumulate ? 'pf(6u) * v + old' : 'v'}${c.bias ? ' + BIAS[col]' : ''};
  ${c.activation ? `x = ${UNARY_EXPR[c.activation]};` : ''}
  return x;
}
fn epilogue4(v: vec4<f32>, old: vec4<f32>, col: u32) -> vec4<f32> {
  return vec4<f32>(epilogue(v.x, old.x, col), epilogue(v.y, old.y, col + 1u), epilogue(v.z, old.z, col + 2u), epilogue(v.w, old.w, col + 3u));
}
@group(0) @binding(1) var<storage, read> ${c.vecA ? 'A4: array<vec4<f32>>' : 'A: array<f32>'};
@group(0) @binding(2) var<storage, read> ${c.vecB ? 'B4: array<vec4<f32>>' : 'B: array<f32>'};
@group(0) @binding(3) var<storage, read_write> C: array<${c.fit ? 'vec4<f32>' : 'f32'}>;
var<workgroup> As: array<vec4<f32>, ${(T * TK) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(T * TK) / 4}>;
@compute @workgroup_size(${c.wg}, ${c.wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = pu(0u);
  let N = pu(1u);
  let K = pu(2u);
  let batch = wid.z + pu(5u);
  let aBase = batch * pu(3u);
  let bBase = batch * pu(4u);
  let row0 = wid.y * ${T}u;
  let col0 = wid.x * ${T}u;
  let tid = lid.y * ${c.wg}u + lid.x;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < K; k0 = k0 + ${TK}u) {
    ${tileLoad('A', !c.transA, c.vecA, c.fit, T, TK, threads, 'M', 'M')}
    ${tileLoad('B', c.transB, c.vecB, c.fit, T, TK, threads, 'N', 'N')}
    workgroupBarrier();
    for (var kk = 0u; kk < ${TK}u; kk = kk + 1u) {
      let a = As[kk * ${T / 4}u + lid.y];
      let b = Bs[kk * ${T / 4}u + lid.x];
      c0 = c0 + a.x * b;
      c1 = c1 + a.y * b;
      c2 = c2 + a.z * b;
      c3 = c3 + a.w * b;
    }
    workgroupBarrier();
  }
  let r = row0 + lid.y * 4u;
  let c = col0 + lid.x * 4u;
  let cBase = batch * M * N;
  ${c.fit ? `C[(cBase + r * N + c) / 4u] = epilogue4(c0, ${c.accumulate ? `C[(cBase + r * N + c) / 4u]` : 'vec4<f32>(0.0)'}, c);
  C[(cBase + (r + 1u) * N + c) / 4u] = epilogue4(c1, ${c.accumulate ? `C[(cBase + (r + 1u) * N + c) / 4u]` : 'vec4<f32>(0.0)'}, c);
  C[(cBase + (r + 2u) * N + c) / 4u] = epilogue4(c2, ${c.accumulate ? `C[(cBase + (r + 2u) * N + c) / 4u]` : 'vec4<f32>(0.0)'}, c);
  C[(cBase + (r + 3u) * N + c) / 4u] = epilogue4(c3, ${c.accumulate ? `C[(cBase + (r + 3u) * N + c) / 4u]` : 'vec4<f32>(0.0)'}, c);` : `let rows = array<vec4<f32>, 4>(c0, c1, c2, c3);
  for (var i = 0u; i < 4u; i = i + 1u) {
    if (r + i < M) {
      for (var j = 0u; j < 4u; j = j + 1u) {
        if (c + j < N) {
          let at = cBase + (r + i) * N + c + j;
          C[at] = epilogue(rows[i][j], ${c.accumulate ? 'C[at]' : '0.0'}, c + j);
        }
      }
    }
  }`}
}
`,
  };
}
