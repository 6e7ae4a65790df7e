/** Row-wise fused kernels for the CPU backend (one pass per statistic, no intermediates). */

/** softmax / log-softmax of each contiguous row. */
export function softmaxRowsJs(x: Float32Array, rows: number, cols: number, log: boolean): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let i = 0; i < cols; i++) if (x[o + i] > max) max = x[o + i];
    if (max === -Infinity) max = 0;
    let sum = 0;
    if (log) {
      for (let i = 0; i < cols; i++) sum += Math.exp(x[o + i] - max);
      const lse = max + Math.log(sum);
      for (let i = 0; i < cols; i++) out[o + i] = x[o + i] - lse;
    } else {
      for (let i = 0; i < cols; i++) {
        const e = Math.exp(x[o + i] - max);
        out[o + i] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let i = 0; i < cols; i++) out[o + i] *= inv;
    }
  }
  return out;
}

/** (x - mean) * rstd per row (or x * rstd when not centring), with rstd = 1 / sqrt(var + eps); variance in f64. */
export function normalizeRowsJs(x: Float32Array, rows: number, cols: number, eps: number, center: boolean): { y: Float32Array; rstd: Float32Array } {
  const y = new Float32Array(rows * cols);
  const rstd = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mean = 0;
    if (center) {
      for (let i = 0; i < cols; i++) mean += x[o + i];
      mean /= cols;
    }
    let ss = 0;
    for (let i = 0; i < cols; i++) {
      const d = x[o + i] - mean;
      ss += d * d;
    }
    const s = 1 / Math.sqrt(ss / cols + eps);
    rstd[r] = s;
    for (let i = 0; i < cols; i++) y[o + i] = (x[o + i] - mean) * s;
  }
  return { y, rstd };
}

/** sum/max/min over the middle axis of [outer, reduce, inner], accumulating whole rows (unit stride). */
export function reduceMiddleJs(op: 'sum' | 'max' | 'min', x: Float32Array, outer: number, reduce: number, inner: number): Float32Array {
  const out = new Float32Array(outer * inner);
  if (op === 'sum') {
    const acc = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      acc.fill(0);
      for (let r = 0; r < reduce; r++) {
        const base = (o * reduce + r) * inner;
        for (let i = 0; i < inner; i++) acc[i] += x[base + i];
      }
      out.set(acc, o * inner);
    }
    return out;
  }
  const better = op === 'max' ? (a: number, b: number) => a > b || Number.isNaN(a) : (a: number, b: number) => a < b || Number.isNaN(a);
  for (let o = 0; o < outer; o++) {
    out.set(x.subarray(o * reduce * inner, o * reduce * inner + inner), o * inner);
    for (let r = 1; r < reduce; r++) {
      const base = (o * reduce + r) * inner;
      for (let i = 0; i < inner; i++) if (better(x[base + i], out[o * inner + i])) out[o * inner + i] = x[base + i];
    }
  }
  return out;
}
