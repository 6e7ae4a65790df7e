/** Float64 reference implementations for the module tests (not a test file). */

/** C[m, n] = A[m, k] @ B[k, n] in f64 (row-major). */
export function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const av = a[i * k + p];
    for (let j = 0; j < n; j++) c[i * n + j] += av * b[p * n + j];
  }
  return c;
}

/** A^T for a row-major [rows, cols] matrix. */
export function transpose64(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

/** y = x W^T (+ b) for x [n, in], W [out, in]. */
export function linear64(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, n: number, inF: number, outF: number): Float64Array {
  const y = matmul64(x, transpose64(w, outF, inF), n, inF, outF);
  if (b) for (let i = 0; i < n; i++) for (let o = 0; o < outF; o++) y[i * outF + o] += b[o];
  return y;
}

/** Direct conv2d in f64: x [N, C, H, W], w [O, C, kh, kw], stride/padding per axis. */
export function conv2d64(
  x: ArrayLike<number>, xs: readonly number[], w: ArrayLike<number>, ws: readonly number[], b: ArrayLike<number> | null, stride: number, pad: number,
): { y: Float64Array; shape: number[] } {
  const [n, c, h, wd] = xs;
  const [o, , kh, kw] = ws;
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((wd + 2 * pad - kw) / stride) + 1;
  const y = new Float64Array(n * o * oh * ow);
  for (let s = 0; s < n; s++) for (let oc = 0; oc < o; oc++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let acc = b ? b[oc] : 0;
    for (let ic = 0; ic < c; ic++) for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) {
      const yy = i * stride - pad + u;
      const xx = j * stride - pad + v;
      if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
      acc += x[((s * c + ic) * h + yy) * wd + xx] * w[((oc * c + ic) * kh + u) * kw + v];
    }
    y[((s * o + oc) * oh + i) * ow + j] = acc;
  }
  return { y, shape: [n, o, oh, ow] };
}

/** max |a - b| / max(|b|max, tiny). */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 1e-30;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

/** Central finite differences of f at every coordinate of p (f64). */
export function finiteDiff(f: (p: Float64Array) => number, p: ArrayLike<number>, eps = 1e-6): Float64Array {
  const q = Float64Array.from(p);
  const g = new Float64Array(q.length);
  for (let i = 0; i < q.length; i++) {
    const v = q[i];
    q[i] = v + eps;
    const fp = f(q);
    q[i] = v - eps;
    const fm = f(q);
    q[i] = v;
    g[i] = (fp - fm) / (2 * eps);
  }
  return g;
}
