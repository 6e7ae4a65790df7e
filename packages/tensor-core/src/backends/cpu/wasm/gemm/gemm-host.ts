import { JOB_ADDRESS } from '../thread-control.js';
import type { ThreadPool } from '../thread-pool.js';
import type { WasmArena } from '../wasm-arena.js';
import { WasmKernelError } from '../wasm-kernel-error.js';
import { GEMM_BLOCKING, planGemm, type GemmBlocking } from './gemm-plan.js';

export { GEMM_BLOCKING, type GemmBlocking };

/** Shape of a (batched) matmul: out[b] = op(A[b]) @ op(B[b]), op = transpose when the flag is set. */
export interface MatmulParams {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** A is stored [k, m] (per batch) instead of [m, k]. */
  transA: boolean;
  /** B is stored [n, k] instead of [k, n]. */
  transB: boolean;
  /** Elements between consecutive batches of A; 0 broadcasts one A to every batch. */
  aBatchStride: number;
  /** Elements between consecutive batches of B; 0 broadcasts. */
  bBatchStride: number;
}

/** Index of the GEMM phases in the pool's phase function list. */
export const GEMM_PHASES = ['gemm_pack', 'gemm_compute'] as const;

/**
 * Below this many multiply-adds (~0.1-0.2 ms on one thread) the calling thread works alone: waking
 * a worker costs tens of microseconds (more on a busy machine), and LoRA-sized products
 * ([576 x 256] x [256 x 16]) measured slower on 2 threads than on 1.
 */
const SOLO_MACS = 1 << 22;

/**
 * Runs one matmul through the wasm kernels: copies A and B into wasm memory, packs them into
 * panels (phase 1, all threads), computes tiles (phase 2, all threads), copies the result out.
 */
export function runGemm(
  pool: ThreadPool,
  arena: WasmArena,
  micro: { mr: number; nr: number },
  phaseIndex: { pack: number; compute: number },
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  p: MatmulParams,
  blocking: GemmBlocking = GEMM_BLOCKING,
): void {
  checkParams(a, b, out, p);
  const { batch, m, n, k } = p;
  if (batch === 0 || m === 0 || n === 0) return;
  if (k === 0) {
    out.fill(0, 0, batch * m * n);
    return;
  }
  const aBatches = p.aBatchStride === 0 ? 1 : batch;
  const bBatches = p.bBatchStride === 0 ? 1 : batch;
  const aLen = (aBatches - 1) * p.aBatchStride + m * k;
  const bLen = (bBatches - 1) * p.bBatchStride + k * n;

  arena.reset();
  const aRaw = arena.alloc(aLen * 4, 'matmul A');
  const bRaw = arena.alloc(bLen * 4, 'matmul B');
  arena.f32(aRaw, aLen).set(a.subarray(0, aLen));
  arena.f32(bRaw, bLen).set(b.subarray(0, bLen));

  const threads = batch * m * n * k < SOLO_MACS ? 1 : pool.threads;
  const { c, mPad, nPad, phases } = planGemm(
    arena, JOB_ADDRESS, micro, phaseIndex, threads, { batch, m, n, k },
    { raw: aRaw, batchBytes: p.aBatchStride * 4, rowStride: (p.transA ? 1 : k) * 4, kStride: (p.transA ? m : 1) * 4, batches: aBatches },
    { raw: bRaw, batchBytes: p.bBatchStride * 4, rowStride: (p.transB ? k : 1) * 4, kStride: (p.transB ? 1 : n) * 4, batches: bBatches },
    blocking,
  );
  pool.run(JOB_ADDRESS, phases, threads === 1);

  const cv = arena.f32(c, batch * mPad * nPad);
  for (let bi = 0; bi < batch; bi++) {
    const src = bi * mPad * nPad;
    const dst = bi * m * n;
    if (nPad === n) out.set(cv.subarray(src, src + m * n), dst);
    else for (let i = 0; i < m; i++) out.set(cv.subarray(src + i * nPad, src + i * nPad + n), dst + i * n);
  }
}


function checkParams(a: Float32Array, b: Float32Array, out: Float32Array, p: MatmulParams): void {
  const { batch, m, n, k, aBatchStride, bBatchStride } = p;
  for (const [name, v] of Object.entries({ batch, m, n, k, aBatchStride, bBatchStride })) {
    if (!Number.isInteger(v) || v < 0) throw new WasmKernelError(`matmul: ${name}=${v}, expected a non-negative integer`);
  }
  const needA = batch === 0 ? 0 : (aBatchStride === 0 ? 0 : (batch - 1) * aBatchStride) + m * k;
  const needB = batch === 0 ? 0 : (bBatchStride === 0 ? 0 : (batch - 1) * bBatchStride) + k * n;
  const shape = `batch=${batch} m=${m} n=${n} k=${k} transA=${p.transA} transB=${p.transB}`;
  if (a.length < needA) throw new WasmKernelError(`matmul (${shape}): A has ${a.length} elements, needs ${needA} (aBatchStride=${aBatchStride})`);
  if (b.length < needB) throw new WasmKernelError(`matmul (${shape}): B has ${b.length} elements, needs ${needB} (bBatchStride=${bBatchStride})`);
  if (out.length < batch * m * n) throw new WasmKernelError(`matmul (${shape}): out has ${out.length} elements, needs ${batch * m * n}`);
}
