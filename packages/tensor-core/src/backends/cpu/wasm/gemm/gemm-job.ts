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
