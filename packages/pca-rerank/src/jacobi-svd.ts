/**
 * One-sided (Hestenes) Jacobi SVD in float64 of a small dense matrix.
 * Chosen for the r x r core because it computes small singular values to high relative
 * accuracy and is short enough to verify by reading; the core is at most rank x rank,
 * so its O(n^3) per sweep cost is negligible next to the QR of the factors.
 */
export interface SmallSvd {
  /** Column-major `rows x n` left singular vectors, `n = min(rows, cols)`; a column is zero where its singular value is 0. */
  readonly u: Float64Array;
  /** Singular values, descending, length `n`. */
  readonly s: Float64Array;
  /** Column-major `cols x n` right singular vectors. */
  readonly v: Float64Array;
}

const MAX_SWEEPS = 80;

/** SVD of a column-major `rows x cols` matrix (left untouched): `a = u diag(s) v^T`. */
export function jacobiSvd(a: Float64Array, rows: number, cols: number): SmallSvd {
  if (rows >= cols) return tallJacobiSvd(Float64Array.from(a.subarray(0, rows * cols)), rows, cols);
  // Wide: work on the transpose so the rotated columns are the short side.
  const t = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) for (let i = 0; i < rows; i++) t[i * cols + c] = a[c * rows + i];
  const svd = tallJacobiSvd(t, cols, rows);
  return { u: svd.v, s: svd.s, v: svd.u };
}

function tallJacobiSvd(g: Float64Array, rows: number, n: number): SmallSvd {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const tol = Number.EPSILON * rows;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const gp = p * rows;
        const gq = q * rows;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < rows; i++) {
          const x = g[gp + i];
          const y = g[gq + i];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < rows; i++) {
          const x = g[gp + i];
          const y = g[gq + i];
          g[gp + i] = c * x - s * y;
          g[gq + i] = s * x + c * y;
        }
        const vp = p * n;
        const vq = q * n;
        for (let i = 0; i < n; i++) {
          const x = v[vp + i];
          const y = v[vq + i];
          v[vp + i] = c * x - s * y;
          v[vq + i] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += g[j * rows + i] * g[j * rows + i];
    norms[j] = Math.sqrt(sum);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const u = new Float64Array(rows * n);
  const s = new Float64Array(n);
  const vs = new Float64Array(n * n);
  order.forEach((from, to) => {
    s[to] = norms[from];
    const inv = norms[from] > 0 ? 1 / norms[from] : 0;
    for (let i = 0; i < rows; i++) u[to * rows + i] = g[from * rows + i] * inv;
    for (let i = 0; i < n; i++) vs[to * n + i] = v[from * n + i];
  });
  return { u, s, v: vs };
}
