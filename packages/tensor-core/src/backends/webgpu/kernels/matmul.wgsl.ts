import type { KernelSource } from '../pipeline-cache.js';
import { WGSL_PRELUDE } from './wgsl-prelude.js';

/** Output tile of one workgroup (square) and the K depth staged per step. */
export const MATMUL_TILE = 64;
const TILE_K = 16;
/** Threads per side of the workgroup; each computes a 4 x 4 block of outputs. */
const THREADS = MATMUL_TILE / 4;

/**
 * Register-tiled batched matmul: a 16 x 16 workgroup computes a 64 x 64 output tile, each thread
 * a 4 x 4 block held in four vec4 accumulators; A and B slices of depth 16 are staged in workgroup
 * memory (k-major, so the inner loop reads 4 contiguous rows / columns). Transposes are baked into
 * the key so the loads stay coalesced along whichever axis is contiguous in memory.
 * Params: [M, N, K, aBatchStride, bBatchStride, batchBase].
 */
export function matmulKernel(transA: boolean, transB: boolean): KernelSource {
  const T = MATMUL_TILE;
  const loads = (T * TILE_K) / (THREADS * THREADS);
  const aLoad = transA
    ? `let am = e % ${T}u; let ak = e / ${T}u; let gm = row0 + am; let gk = k0 + ak;
      var av = 0.0; if (gm < M && gk < K) { av = A[aBase + gk * M + gm]; }`
    : `let am = e / ${TILE_K}u; let ak = e % ${TILE_K}u; let gm = row0 + am; let gk = k0 + ak;
      var av = 0.0; if (gm < M && gk < K) { av = A[aBase + gm * K + gk]; }`;
  const bLoad = transB
    ? `let bn = e / ${TILE_K}u; let bk = e % ${TILE_K}u; let gn = col0 + bn; let gkb = k0 + bk;
      var bv = 0.0; if (gn < N && gkb < K) { bv = B[bBase + gn * K + gkb]; }`
    : `let bn = e % ${T}u; let bk = e / ${T}u; let gn = col0 + bn; let gkb = k0 + bk;
      var bv = 0.0; if (gn < N && gkb < K) { bv = B[bBase + gkb * N + gn]; }`;
  return {
    key: `matmul:t${T}:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`,
    wgsl: () => `${WGSL_PRELUDE}
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
var<workgroup> As: array<f32, ${T * TILE_K}>;
var<workgroup> Bs: array<f32, ${T * TILE_K}>;
@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = pu(0u);
  let N = pu(1u);
  let K = pu(2u);
  let batch = wid.z + pu(5u);
  let aBase = batch * pu(3u);
  let bBase = batch * pu(4u);
  let row0 = wid.y * ${T}u;
  let col0 = wid.x * ${T}u;
  let tid = lid.y * ${THREADS}u + lid.x;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < K; k0 = k0 + ${TILE_K}u) {
    for (var l = 0u; l < ${loads}u; l = l + 1u) {
      let e = tid + l * ${THREADS * THREADS}u;
      ${aLoad}
      As[ak * ${T}u + am] = av;
      ${bLoad}
      Bs[bk * ${T}u + bn] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TILE_K}u; kk = kk + 1u) {
      let ao = kk * ${T}u + lid.y * 4u;
      let bo = kk * ${T}u + lid.x * 4u;
      let b = vec4<f32>(Bs[bo], Bs[bo + 1u], Bs[bo + 2u], Bs[bo + 3u]);
      c0 = c0 + As[ao] * b;
      c1 = c1 + As[ao + 1u] * b;
      c2 = c2 + As[ao + 2u] * b;
      c3 = c3 + As[ao + 3u] * b;
    }
    workgroupBarrier();
  }
  let r = row0 + lid.y * 4u;
  let c = col0 + lid.x * 4u;
  let cBase = batch * M * N;
  let rows = array<vec4<f32>, 4>(c0, c1, c2, c3);
  for (var i = 0u; i < 4u; i = i + 1u) {
    if (r + i < M) {
      for (var j = 0u; j < 4u; j = j + 1u) {
        if (c + j < N) { C[cBase + (r + i) * N + c + j] = rows[i][j]; }
      }
    }
  }
}
`,
  };
}
