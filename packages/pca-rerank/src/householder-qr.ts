/**
 * Thin Householder QR in float64 on a column-major `rows x cols` matrix.
 * Householder (not Gram-Schmidt) because Q must stay orthogonal to machine precision even
 * when a LoRA factor is nearly rank-deficient, which merged and concatenated LoRAs often are.
 */
export interface HouseholderQr {
  readonly rows: number;
  readonly cols: number;
  /** Number of reflectors, `min(rows, cols)`. */
  readonly steps: number;
  /** Column-major `rows x steps`: reflector j lives in column j, rows j.., with an implied 1 at row j. */
  readonly reflectors: Float64Array;
  readonly tau: Float64Array;
  /** Column-major `steps x cols` upper-triangular factor. */
  readonly r: Float64Array;
}

/** Factors `a` (column-major `rows x cols`, overwritten) as `Q R` with `Q` kept as reflectors. */
export function householderQr(a: Float64Array, rows: number, cols: number): HouseholderQr {
  const steps = Math.min(rows, cols);
  const tau = new Float64Array(steps);
  for (let j = 0; j < steps; j++) {
    const col = j * rows;
    const alpha = a[col + j];
    let tail = 0;
    for (let i = j + 1; i < rows; i++) tail += a[col + i] * a[col + i];
    if (tail === 0) {
      tau[j] = 0; // already upper-triangular in this column; H = I
      continue;
    }
    const beta = alpha >= 0 ? -Math.sqrt(alpha * alpha + tail) : Math.sqrt(alpha * alpha + tail);
    tau[j] = (beta - alpha) / beta;
    const inv = 1 / (alpha - beta);
    for (let i = j + 1; i < rows; i++) a[col + i] *= inv;
    a[col + j] = beta;
    // Apply H = I - tau v v^T (v = [1, a[j+1..]]) to the trailing columns.
    for (let c = j + 1; c < cols; c++) {
      const cc = c * rows;
      let w = a[cc + j];
      for (let i = j + 1; i < rows; i++) w += a[col + i] * a[cc + i];
      w *= tau[j];
      a[cc + j] -= w;
      for (let i = j + 1; i < rows; i++) a[cc + i] -= w * a[col + i];
    }
  }
  const r = new Float64Array(steps * cols);
  for (let c = 0; c < cols; c++) {
    const top = Math.min(c, steps - 1);
    for (let i = 0; i <= top; i++) r[c * steps + i] = a[c * rows + i];
  }
  return { rows, cols, steps, reflectors: a, tau, r };
}

/**
 * Returns `Q @ x` for `x` column-major `steps x k` (the coordinates in Q's column space),
 * as a column-major `rows x k` matrix, without forming Q.
 */
export function applyQ(qr: HouseholderQr, x: Float64Array, k: number): Float64Array {
  const { rows, steps, reflectors: v, tau } = qr;
  const out = new Float64Array(rows * k);
  for (let c = 0; c < k; c++) for (let i = 0; i < steps; i++) out[c * rows + i] = x[c * steps + i];
  for (let j = steps - 1; j >= 0; j--) {
    if (tau[j] === 0) continue;
    const col = j * rows;
    for (let c = 0; c < k; c++) {
      const cc = c * rows;
      let w = out[cc + j];
      for (let i = j + 1; i < rows; i++) w += v[col + i] * out[cc + i];
      w *= tau[j];
      out[cc + j] -= w;
      for (let i = j + 1; i < rows; i++) out[cc + i] -= w * v[col + i];
    }
  }
  return out;
}
