/**
 * Layout of a row-wise job (softmax, norms) or an elementwise job (then rows = chunks, cols =
 * chunk length, n = total elements). i32 words; eps holds f32 bits; pointers are bytes.
 */
export const RowJob = {
  rows: 0,
  cols: 1,
  x: 2,
  out: 3,
  /** Optional (0 = absent): per-column weight and bias of the norms. */
  w: 4,
  b: 5,
  /** Optional per-row outputs: mean (layer norm) and 1/std (both norms). */
  mean: 6,
  rstd: 7,
  eps: 8,
  /** Rows (or chunks) claimed per atomic increment. */
  chunk: 9,
  next: 10,
  done: 11,
  /** Elementwise only: total element count. */
  n: 12,
} as const;

/** Number of i32 words in a row job descriptor. */
export const ROW_JOB_WORDS = 16;
