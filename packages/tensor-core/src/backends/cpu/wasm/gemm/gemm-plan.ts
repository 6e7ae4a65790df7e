import type { JobPhase } from '../thread-pool.js';
import type { WasmArena } from '../wasm-arena.js';

/**
 * Layout of a GEMM job descriptor in wasm memory: i32 words at these indices, written by the
 * caller and read by every thread's `gemm_pack` / `gemm_compute`. Pointers, strides and
 * batch strides are in bytes.
 */
export const GemmJob = {
  m: 0,
  n: 1,
  k: 2,
  batch: 3,
  /** Row counts padded to the micro-kernel's MR / NR. */
  mPad: 4,
  nPad: 5,
  /** Raw inputs: A element (i, k) of batch b is at aRaw + b*aRawBatch + i*aRowStride + k*aKStride. */
  aRaw: 6,
  aRawBatch: 7,
  aRowStride: 8,
  aKStride: 9,
  /** B element (k, j) of batch b is at bRaw + b*bRawBatch + j*bColStride + k*bKStride. */
  bRaw: 10,
  bRawBatch: 11,
  bColStride: 12,
  bKStride: 13,
  /** How many distinct A / B batches exist (1 when broadcast). */
  aBatches: 14,
  bBatches: 15,
  /**
   * Packed panels, K-blocked: A as [aBatches][K/kc][mPad/MR][kc][MR], B as [bBatches][K/kc][nPad/NR][kc][NR]
   * (the last K block is shorter), so the block a tile reads is one contiguous run.
   */
  aPack: 16,
  bPack: 17,
  /** Output, [batch][mPad][nPad]. */
  c: 18,
  /** Cache blocking: rows / columns per tile (multiples of MR / NR) and the K block. */
  mc: 19,
  nc: 20,
  kc: 21,
  tilesM: 22,
  tilesN: 23,
  /** Work counters, incremented atomically by the threads. */
  packNext: 24,
  tileNext: 25,
  /** Panels claimed per atomic increment while packing. */
  packChunk: 26,
  /** Completed panels / tiles: the phase barrier waits for these to reach their totals. */
  packDone: 27,
  tileDone: 28,
} as const;

/** Number of i32 words in a GEMM job descriptor. */
export const GEMM_JOB_WORDS = 32;

/** Cache blocking of the GEMM (see README: A block mc x kc in L2, B sliver kc x nr in L1). */
export interface GemmBlocking {
  mc: number;
  nc: number;
  kc: number;
}

/** Defaults measured on the 2-core EPYC this was written on (mc = 120 is a multiple of 5 and 6). */
export const GEMM_BLOCKING: GemmBlocking = { mc: 120, nc: 256, kc: 256 };

/** One GEMM operand already in wasm memory: element (row, kk) of batch b at raw + b*batchBytes + row*rowStride + kk*kStride (bytes). */
export interface GemmOperand {
  raw: number;
  batchBytes: number;
  rowStride: number;
  kStride: number;
  /** Distinct batches (the GEMM uses batch b % batches). */
  batches: number;
}

/** A planned GEMM: the output [batch][mPad][nPad] address and the two phases that compute it. */
export interface GemmPlan {
  c: number;
  mPad: number;
  nPad: number;
  phases: JobPhase[];
}

/**
 * Writes the GEMM part of a job descriptor at `job` for out[b] = A[b % aBatches] (m x k) @ B[b % bBatches] (k x n)
 * over operands that already live in wasm memory (matmul inputs, conv patches, weights, gradients),
 * and allocates the packed panels and the output. Tiles shrink until every thread has several, so a
 * thread slowed down by other load does not leave the rest idle.
 */
export function planGemm(
  arena: WasmArena,
  job: number,
  micro: { mr: number; nr: number },
  phaseIndex: { pack: number; compute: number },
  threads: number,
  shape: { batch: number; m: number; n: number; k: number },
  a: GemmOperand,
  b: GemmOperand,
  blocking: GemmBlocking = GEMM_BLOCKING,
): GemmPlan {
  const { batch, m, n, k } = shape;
  const { mr, nr } = micro;
  const mPad = Math.ceil(m / mr) * mr;
  const nPad = Math.ceil(n / nr) * nr;
  const aPack = arena.alloc(a.batches * mPad * k * 4, 'GEMM packed A');
  const bPack = arena.alloc(b.batches * nPad * k * 4, 'GEMM packed B');
  const c = arena.alloc(batch * mPad * nPad * 4, 'GEMM output');
  let mc = Math.min(roundUp(blocking.mc, mr), mPad);
  let nc = Math.min(roundUp(blocking.nc, nr), nPad);
  while (batch * Math.ceil(mPad / mc) * Math.ceil(nPad / nc) < 4 * threads && (mc > mr || nc > nr)) {
    if (mc >= nc && mc > mr) mc = roundUp(mc / 2, mr);
    else if (nc > nr) nc = roundUp(nc / 2, nr);
    else mc = roundUp(mc / 2, mr);
  }
  const panels = a.batches * (mPad / mr) + b.batches * (nPad / nr);
  const tiles = batch * Math.ceil(mPad / mc) * Math.ceil(nPad / nc);
  const d = arena.i32(job, GEMM_JOB_WORDS);
  const put: [keyof typeof GemmJob, number][] = [
    ['m', m], ['n', n], ['k', k], ['batch', batch], ['mPad', mPad], ['nPad', nPad],
    ['aRaw', a.raw], ['aRawBatch', a.batchBytes], ['aRowStride', a.rowStride], ['aKStride', a.kStride],
    ['bRaw', b.raw], ['bRawBatch', b.batchBytes], ['bColStride', b.rowStride], ['bKStride', b.kStride],
    ['aBatches', a.batches], ['bBatches', b.batches], ['aPack', aPack], ['bPack', bPack], ['c', c],
    ['mc', mc], ['nc', nc], ['kc', blocking.kc], ['tilesM', Math.ceil(mPad / mc)], ['tilesN', Math.ceil(nPad / nc)],
    ['packChunk', Math.max(1, Math.floor(panels / (threads * 8)))],
    ['packNext', 0], ['tileNext', 0], ['packDone', 0], ['tileDone', 0],
  ];
  for (const [name, v] of put) d[GemmJob[name]] = v;
  const word = job / 4;
  return {
    c,
    mPad,
    nPad,
    phases: [
      { fn: phaseIndex.pack, doneWord: word + GemmJob.packDone, total: panels },
      { fn: phaseIndex.compute, doneWord: word + GemmJob.tileDone, total: tiles },
    ],
  };
}

function roundUp(x: number, step: number): number {
  return Math.max(step, Math.ceil(x / step) * step);
}
