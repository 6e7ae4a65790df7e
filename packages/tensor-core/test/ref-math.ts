/** Float64 reference math for tests (independent of the kernels' approximations). */
import type { MatmulParams } from '../src/device/backend.js';

/** erf to ~1e-15: Maclaurin series below 3, continued fraction for erfc above. */
export function erf64(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (a + f);
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
  return Math.sign(x) * (1 - erfc);
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** NumPy broadcast of two shapes. */
export function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    return da === 1 ? db : da;
  });
}

/** Index into a (possibly broadcast) operand for a flat output index. */
export function broadcastIndex(flat: number, outShape: readonly number[], shape: readonly number[]): number {
  const outStrides = stridesOf(outShape);
  const strides = stridesOf(shape);
  const off = outShape.length - shape.length;
  let idx = 0;
  for (let i = 0; i < outShape.length; i++) {
    const coord = Math.floor(flat / outStrides[i]) % outShape[i];
    if (i >= off && shape[i - off] !== 1) idx += coord * strides[i - off];
  }
  return idx;
}

/** Elementwise binary op in f64 with broadcasting. */
export function binary64(a: Float64Array, aShape: number[], b: Float64Array, bShape: number[], fn: (x: number, y: number) => number): { v: Float64Array; shape: number[] } {
  const shape = broadcast(aShape, bShape);
  const n = shape.reduce((p, d) => p * d, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = fn(a[broadcastIndex(i, shape, aShape)], b[broadcastIndex(i, shape, bShape)]);
  return { v, shape };
}

/** Batched matmul in f64: a [B, m, k] @ b [B, k, n] (b may have batch 1). */
export function matmul64(a: Float64Array, b: Float64Array, batch: number, m: number, k: number, n: number, bBatch = batch): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    const bo = (bBatch === 1 ? 0 : bi) * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let kk = 0; kk < k; kk++) s += a[bi * m * k + i * k + kk] * b[bo + kk * n + j];
        out[bi * m * n + i * n + j] = s;
      }
  }
  return out;
}

/** Softmax over contiguous rows of length `len` in f64. */
export function softmaxRows64(x: Float64Array, len: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / len; r++) {
    let mx = -Infinity;
    for (let i = 0; i < len; i++) mx = Math.max(mx, x[r * len + i]);
    let s = 0;
    for (let i = 0; i < len; i++) s += Math.exp(x[r * len + i] - mx);
    for (let i = 0; i < len; i++) out[r * len + i] = Math.exp(x[r * len + i] - mx) / s;
  }
  return out;
}

/** 2-D convolution in f64 (NCHW, weight [O, C/g, kh, kw]). */
export function conv2d64(
  x: Float64Array, xs: number[], w: Float64Array, ws: number[], bias: Float64Array | null,
  stride: number, pad: number, dil: number, groups: number,
): { v: Float64Array; shape: number[] } {
  const [n, c, h, wd] = xs;
  const [o, cg, kh, kw] = ws;
  const oh = Math.floor((h + 2 * pad - dil * (kh - 1) - 1) / stride) + 1;
  const ow = Math.floor((wd + 2 * pad - dil * (kw - 1) - 1) / stride) + 1;
  const og = o / groups;
  const v = new Float64Array(n * o * oh * ow);
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++) {
          let s = bias ? bias[oc] : 0;
          for (let ic = 0; ic < cg; ic++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const iy = y * stride - pad + i * dil;
                const ix = xx * stride - pad + j * dil;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                s += x[((b * c + g * cg + ic) * h + iy) * wd + ix] * w[((oc * cg + ic) * kh + i) * kw + j];
              }
          v[((b * o + oc) * oh + y) * ow + xx] = s;
        }
    }
  return { v, shape: [n, o, oh, ow] };
}

/** float64 matmul epilogue reference: alpha * op(A) op(B) + into + bias, then an activation, per batch (stride 0 broadcasts). */
export function matmulEpilogue64(a: ArrayLike<number>, b: ArrayLike<number>, p: MatmulParams, opts: { alpha?: number; into?: Float32Array; bias?: Float32Array; act?: (x: number) => number } = {}): Float64Array {
  const { batch, m, n, k, transA, transB } = p;
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[t * p.aBatchStride + (transA ? q * m + i : i * k + q)] * b[t * p.bBatchStride + (transB ? j * k + q : q * n + j)];
        const at = (t * m + i) * n + j;
        let v = (opts.alpha ?? 1) * s + (opts.into ? opts.into[at] : 0) + (opts.bias ? opts.bias[j] : 0);
        if (opts.act) v = opts.act(v);
        out[at] = v;
      }
    }
  }
  return out;
}
