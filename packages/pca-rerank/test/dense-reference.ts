import { eigs } from 'mathjs';

/**
 * Dense float64 references built independently of the package: the product is formed entry by
 * entry and singular values come from mathjs' symmetric eigensolver on W^T W (or W W^T).
 * Squaring costs relative accuracy only on singular values below ~1e-8 of the largest, which
 * these tests never compare.
 */
export function denseProduct(up: ArrayLike<number>, down: ArrayLike<number>, rows: number, cols: number, rank: number, scale = 1): Float64Array {
  const w = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let l = 0; l < rank; l++) {
      const b = up[i * rank + l] * scale;
      for (let c = 0; c < cols; c++) w[i * cols + c] += b * down[l * cols + c];
    }
  return w;
}

/** Singular values of a row-major dense matrix, descending (min(rows, cols) of them). */
export function denseSingularValues(w: Float64Array, rows: number, cols: number): number[] {
  const n = Math.min(rows, cols);
  const gram: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let a = 0; a < n; a++)
    for (let b = a; b < n; b++) {
      let sum = 0;
      if (cols <= rows) for (let i = 0; i < rows; i++) sum += w[i * cols + a] * w[i * cols + b];
      else for (let c = 0; c < cols; c++) sum += w[a * cols + c] * w[b * cols + c];
      gram[a][b] = sum;
      gram[b][a] = sum;
    }
  const values = (eigs(gram).values as number[]).map((x) => Math.sqrt(Math.max(x, 0)));
  return values.sort((x, y) => y - x);
}

/** Frobenius norm of `x - y` (same length). */
export function frobeniusDistance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] - y[i]) ** 2;
  return Math.sqrt(sum);
}

/** Largest `|x_i - y_i|`. */
export function maxAbsDistance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  return max;
}

/** `sqrt(sum of squares of s[k..])`: the Eckart-Young error of the best rank-k approximation. */
export function tailNorm(s: readonly number[], k: number): number {
  return Math.sqrt(s.slice(k).reduce((acc, x) => acc + x * x, 0));
}

/** Columns of a random matrix orthonormalised by modified Gram-Schmidt twice (row-major rows x n). */
export function orthonormalColumns(rows: number, n: number, next: () => number): Float64Array {
  const q = Float64Array.from({ length: rows * n }, () => next());
  for (let pass = 0; pass < 2; pass++)
    for (let j = 0; j < n; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += q[i * n + j] * q[i * n + p];
        for (let i = 0; i < rows; i++) q[i * n + j] -= dot * q[i * n + p];
      }
      let norm = 0;
      for (let i = 0; i < rows; i++) norm += q[i * n + j] ** 2;
      norm = Math.sqrt(norm);
      for (let i = 0; i < rows; i++) q[i * n + j] /= norm;
    }
  return q;
}

/** Factors `up = U diag(s)` (rows x r) and `down = V^T` (r x cols) of a matrix with exactly the spectrum `s`. */
export function factorsWithSpectrum(s: readonly number[], rows: number, cols: number, next: () => number): { up: Float32Array; down: Float32Array } {
  const r = s.length;
  const u = orthonormalColumns(rows, r, next);
  const v = orthonormalColumns(cols, r, next);
  const up = new Float32Array(rows * r);
  const down = new Float32Array(r * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < r; j++) up[i * r + j] = u[i * r + j] * s[j];
  for (let j = 0; j < r; j++) for (let c = 0; c < cols; c++) down[j * cols + c] = v[c * r + j];
  return { up, down };
}
