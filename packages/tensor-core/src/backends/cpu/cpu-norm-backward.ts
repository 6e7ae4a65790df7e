/**
 * Gradients of a row normalisation followed by an optional per-column affine, y = xhat * w + b with
 * xhat = (x - mean) * rstd (or x * rstd without centring), in two passes over each row while it is
 * in L1: the row sums, then dx. Replaces about ten elementwise passes of the composite rule.
 *   gh = g * w;  dx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat))   (mean(gh) term only when centring)
 *   dWeight = sum over rows of g * xhat;  dBias = sum over rows of g
 */
export function normalizeRowsBackwardJs(
  g: Float32Array, xhat: Float32Array, rstd: Float32Array, weight: Float32Array | null,
  rows: number, cols: number, center: boolean, dx: Float32Array,
): { dWeight: Float32Array; dBias: Float32Array } {
  // Column sums accumulate over up to ~1e5 rows: f64 keeps them at f32 accuracy.
  const dw = new Float64Array(cols);
  const db = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let sumG = 0;
    let sumGX = 0;
    for (let i = 0; i < cols; i++) {
      const gi = g[o + i];
      const xi = xhat[o + i];
      const gh = weight ? gi * weight[i] : gi;
      sumG += gh;
      sumGX += gh * xi;
      dw[i] += gi * xi;
      db[i] += gi;
    }
    const s = rstd[r];
    const meanG = center ? sumG / cols : 0;
    const meanGX = sumGX / cols;
    for (let i = 0; i < cols; i++) {
      const gh = weight ? g[o + i] * weight[i] : g[o + i];
      dx[o + i] = s * (gh - meanG - xhat[o + i] * meanGX);
    }
  }
  return { dWeight: Float32Array.from(dw), dBias: Float32Array.from(db) };
}
