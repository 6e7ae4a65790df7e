import { applyQ, householderQr, type HouseholderQr } from './householder-qr.js';
import { jacobiSvd, type SmallSvd } from './jacobi-svd.js';

/**
 * Exact SVD of a factored matrix `W = B @ A` (B: `rows x rank`, A: `rank x cols`) that never forms W:
 * `B = Q_B R_B`, `A^T = Q_A R_A`, so `W = Q_B (R_B R_A^T) Q_A^T` and the SVD of the small core
 * `R_B R_A^T = U_c S V_c^T` gives `W = (Q_B U_c) S (Q_A V_c)^T`. Cost O((rows + cols) rank^2)
 * instead of the O(rows cols min(rows, cols)) of a dense SVD.
 */
export interface FactoredSvd {
  readonly rows: number;
  readonly cols: number;
  /** All singular values of `B @ A` that can be non-zero (`min(rows, cols, rank)` of them), descending. */
  readonly s: Float64Array;
  /** First `k` left singular vectors, column-major `rows x k` (k at most `s.length`). */
  leftVectors(k: number): Float64Array;
  /** First `k` right singular vectors, column-major `cols x k`, which is row-major `k x cols` (the down layout). */
  rightVectors(k: number): Float64Array;
}

/** SVD of `up @ down` with `up` row-major `rows x rank` and `down` row-major `rank x cols`, in float64. */
export function factoredSvd(
  up: ArrayLike<number>,
  down: ArrayLike<number>,
  rows: number,
  cols: number,
  rank: number,
): FactoredSvd {
  const b = new Float64Array(rows * rank);
  for (let i = 0; i < rows; i++) for (let j = 0; j < rank; j++) b[j * rows + i] = up[i * rank + j];
  // Row-major A (rank x cols) is already column-major A^T (cols x rank).
  const aT = Float64Array.from(down as ArrayLike<number>);
  const qrB = householderQr(b, rows, rank);
  const qrA = householderQr(aT, cols, rank);
  const core = coreProduct(qrB, qrA);
  const svd = jacobiSvd(core, qrB.steps, qrA.steps);
  return {
    rows,
    cols,
    s: svd.s,
    leftVectors: (k) => applyQ(qrB, leadingColumns(svd, 'u', qrB.steps, k), k),
    rightVectors: (k) => applyQ(qrA, leadingColumns(svd, 'v', qrA.steps, k), k),
  };
}

/** `R_B @ R_A^T`, column-major `stepsB x stepsA`. */
function coreProduct(qrB: HouseholderQr, qrA: HouseholderQr): Float64Array {
  const pB = qrB.steps;
  const pA = qrA.steps;
  const rank = qrB.cols;
  const core = new Float64Array(pB * pA);
  for (let j = 0; j < pA; j++) {
    for (let l = j; l < rank; l++) {
      const ra = qrA.r[l * pA + j]; // R_A is upper-triangular: R_A[j, l] is zero for l < j
      if (ra === 0) continue;
      const top = Math.min(l, pB - 1);
      for (let i = 0; i <= top; i++) core[j * pB + i] += qrB.r[l * pB + i] * ra;
    }
  }
  return core;
}

function leadingColumns(svd: SmallSvd, side: 'u' | 'v', height: number, k: number): Float64Array {
  if (k > svd.s.length) throw new RangeError(`asked for ${k} singular vectors, only ${svd.s.length} exist`);
  return svd[side].subarray(0, height * k);
}
