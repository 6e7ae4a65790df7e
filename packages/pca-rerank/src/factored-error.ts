/** A scaled factored matrix `scale * up @ down`, factors row-major (`rows x rank`, `rank x cols`). */
export interface ScaledFactors {
  readonly up: ArrayLike<number>;
  readonly down: ArrayLike<number>;
  readonly rank: number;
  readonly scale: number;
}

/**
 * Frobenius norms of `X = s1 B1 A1` and of `X - s2 B2 A2`, from rank-sized Gram matrices only:
 * `<B1 A1, B2 A2> = sum_ij (B1^T B2)_ij (A1 A2^T)_ij`, so nothing of size rows x cols is formed.
 * Accumulated in float64; the difference is found by cancellation, so errors below about
 * 1e-8 of `||X||` are not resolved. `knownDeltaNormSq` (`||s1 B1 A1||^2`, e.g. the sum of its squared
 * singular values) skips the largest Gram product.
 */
export function factoredErrorNorms(
  before: ScaledFactors,
  after: ScaledFactors,
  rows: number,
  cols: number,
  knownDeltaNormSq?: number,
): { deltaNorm: number; errorNorm: number } {
  const xx = knownDeltaNormSq ?? before.scale * before.scale * pairInner(before, before, rows, cols);
  const xy = before.scale * after.scale * pairInner(before, after, rows, cols);
  const yy = after.scale * after.scale * pairInner(after, after, rows, cols);
  return { deltaNorm: Math.sqrt(Math.max(xx, 0)), errorNorm: Math.sqrt(Math.max(xx - 2 * xy + yy, 0)) };
}

/** `<B1 A1, B2 A2>` (Frobenius inner product) without forming either product. */
function pairInner(x: ScaledFactors, y: ScaledFactors, rows: number, cols: number): number {
  const r1 = x.rank;
  const r2 = y.rank;
  if (r1 === 0 || r2 === 0) return 0;
  const gb = new Float64Array(r1 * r2);
  for (let i = 0; i < rows; i++) {
    for (let a = 0; a < r1; a++) {
      const xa = x.up[i * r1 + a];
      if (xa === 0) continue;
      const row = a * r2;
      for (let b = 0; b < r2; b++) gb[row + b] += xa * y.up[i * r2 + b];
    }
  }
  let total = 0;
  for (let a = 0; a < r1; a++) {
    for (let b = 0; b < r2; b++) {
      if (gb[a * r2 + b] === 0) continue;
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += x.down[a * cols + c] * y.down[b * cols + c];
      total += gb[a * r2 + b] * dot;
    }
  }
  return total;
}

/**
 * Largest `|(s1 B1 A1 - s2 B2 A2)_ij|`, forming one row of each product at a time
 * (memory O(cols), time O(rows cols (r1 + r2))).
 */
export function denseMaxAbsError(before: ScaledFactors, after: ScaledFactors, rows: number, cols: number): number {
  const row = new Float64Array(cols);
  let max = 0;
  for (let i = 0; i < rows; i++) {
    row.fill(0);
    accumulateRow(row, before, i, cols, 1);
    accumulateRow(row, after, i, cols, -1);
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(row[c]));
  }
  return max;
}

function accumulateRow(row: Float64Array, f: ScaledFactors, i: number, cols: number, sign: number): void {
  for (let l = 0; l < f.rank; l++) {
    const w = sign * f.scale * f.up[i * f.rank + l];
    if (w === 0) continue;
    const base = l * cols;
    for (let c = 0; c < cols; c++) row[c] += w * f.down[base + c];
  }
}
