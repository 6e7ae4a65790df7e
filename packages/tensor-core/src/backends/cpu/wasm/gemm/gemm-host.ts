import { JOB_ADDRESS } from '../thread-control.js';
import type { ThreadPool } from '../thread-pool.js';
import type { WasmArena } from '../wasm-arena.js';
import { WasmKernelError } from '../wasm-kernel-error.js';
import { GEMM_JOB_WORDS, GemmJob } from './gemm-job.js';

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

/** Cache blocking of the GEMM (see README: A block mc x kc in L2, B sliver kc x nr in L1). */
export interface GemmBlocking {
  mc: number;
  nc: number;
  kc: number;
}

/** Defaults measured on the 2-core EPYC this was written on (mc = 120 is a multiple of 5 and 6). */
export const GEMM_BLOCKING: GemmBlocking = { mc: 120, nc: 256, kc: 256 };

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
  const { mr, nr } = micro;
  const mPad = Math.ceil(m / mr) * mr;
  const nPad = Math.ceil(n / nr) * nr;
  const aBatches = p.aBatchStride === 0 ? 1 : batch;
  const bBatches = p.bBatchStride === 0 ? 1 : batch;
  const aLen = (aBatches - 1) * p.aBatchStride + m * k;
  const bLen = (bBatches - 1) * p.bBatchStride + k * n;

  arena.reset();
  const job = JOB_ADDRESS;
  const aRaw = arena.alloc(aLen * 4, 'matmul A');
  const bRaw = arena.alloc(bLen * 4, 'matmul B');
  const aPack = arena.alloc(aBatches * mPad * k * 4, 'matmul packed A');
  const bPack = arena.alloc(bBatches * nPad * k * 4, 'matmul packed B');
  const c = arena.alloc(batch * mPad * nPad * 4, 'matmul output');
  arena.f32(aRaw, aLen).set(a.subarray(0, aLen));
  arena.f32(bRaw, bLen).set(b.subarray(0, bLen));

  const threads = batch * m * n * k < SOLO_MACS ? 1 : pool.threads;
  let { mc, nc } = blocking;
  mc = Math.min(roundUp(mc, mr), mPad);
  nc = Math.min(roundUp(nc, nr), nPad);
  // Enough tiles that a thread slowed down by other load does not leave the rest idle.
  while (batch * Math.ceil(mPad / mc) * Math.ceil(nPad / nc) < 4 * threads && (mc > mr || nc > nr)) {
    if (mc >= nc && mc > mr) mc = roundUp(mc / 2, mr);
    else if (nc > nr) nc = roundUp(nc / 2, nr);
    else mc = roundUp(mc / 2, mr);
  }
  const panels = aBatches * (mPad / mr) + bBatches * (nPad / nr);
  const packChunk = Math.max(1, Math.floor(panels / (threads * 8)));
  const tiles = batch * Math.ceil(mPad / mc) * Math.ceil(nPad / nc);

  const d = arena.i32(job, GEMM_JOB_WORDS);
  d.fill(0);
  d[GemmJob.m] = m;
  d[GemmJob.n] = n;
  d[GemmJob.k] = k;
  d[GemmJob.batch] = batch;
  d[GemmJob.mPad] = mPad;
  d[GemmJob.nPad] = nPad;
  d[GemmJob.aRaw] = aRaw;
  d[GemmJob.aRawBatch] = p.aBatchStride * 4;
  d[GemmJob.aRowStride] = (p.transA ? 1 : k) * 4;
  d[GemmJob.aKStride] = (p.transA ? m : 1) * 4;
  d[GemmJob.bRaw] = bRaw;
  d[GemmJob.bRawBatch] = p.bBatchStride * 4;
  d[GemmJob.bColStride] = (p.transB ? k : 1) * 4;
  d[GemmJob.bKStride] = (p.transB ? 1 : n) * 4;
  d[GemmJob.aBatches] = aBatches;
  d[GemmJob.bBatches] = bBatches;
  d[GemmJob.aPack] = aPack;
  d[GemmJob.bPack] = bPack;
  d[GemmJob.c] = c;
  d[GemmJob.mc] = mc;
  d[GemmJob.nc] = nc;
  d[GemmJob.kc] = blocking.kc;
  d[GemmJob.tilesM] = Math.ceil(mPad / mc);
  d[GemmJob.tilesN] = Math.ceil(nPad / nc);
  d[GemmJob.packChunk] = packChunk;

  const word = job / 4;
  pool.run(
    job,
    [
      { fn: phaseIndex.pack, doneWord: word + GemmJob.packDone, total: panels },
      { fn: phaseIndex.compute, doneWord: word + GemmJob.tileDone, total: tiles },
    ],
    threads === 1,
  );

  const cv = arena.f32(c, batch * mPad * nPad);
  for (let bi = 0; bi < batch; bi++) {
    const src = bi * mPad * nPad;
    const dst = bi * m * n;
    if (nPad === n) out.set(cv.subarray(src, src + m * n), dst);
    else for (let i = 0; i < m; i++) out.set(cv.subarray(src + i * nPad, src + i * nPad + n), dst + i * n);
  }
}

function roundUp(x: number, step: number): number {
  return Math.max(step, Math.ceil(x / step) * step);
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
