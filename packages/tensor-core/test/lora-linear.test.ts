import { describe, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { DEVICES } from './backends.js';
import { checkOp } from './op-check.js';
import { matmul64 } from './ref-math.js';

/** float64 x W^T + b + s (x A^T) B^T for x [rows, k], W [n, k], A [r, k], B [n, r]. */
function loraLinear64(x: Float64Array, w: Float64Array, b: Float64Array | null, a: Float64Array, up: Float64Array, rows: number, k: number, n: number, r: number, s: number): Float64Array {
  const transpose = (m: Float64Array, rr: number, cc: number) => {
    const t = new Float64Array(m.length);
    for (let i = 0; i < rr; i++) for (let j = 0; j < cc; j++) t[j * rr + i] = m[i * cc + j];
    return t;
  };
  const base = matmul64(x, transpose(w, n, k), 1, rows, k, n);
  const h = matmul64(x, transpose(a, r, k), 1, rows, k, r);
  const low = matmul64(h, transpose(up, n, r), 1, rows, r, n);
  return base.map((v, i) => v + (b ? b[i % n] : 0) + s * low[i]);
}

for (const device of DEVICES) {
  describe(`loraLinear on ${device.kind}`, () => {
    it('matches x W^T + b + s (x A^T) B^T in float64, with gradients for every operand', async () => {
      const [rows, k, n, r, s] = [2 * 5, 12, 9, 3, 0.75];
      await checkOp({
        name: 'loraLinear', shapes: [[2, 5, k], [n, k], [n], [r, k], [n, r]],
        run: ([x, w, b, a, up]) => tc.loraLinear(x, w, b, a, up, s),
        ref: ([x, w, b, a, up]) => loraLinear64(x, w, b, a, up, rows, k, n, r, s),
      }, device);
    });

    it('works without a bias', async () => {
      const [rows, k, n, r, s] = [7, 8, 6, 2, 2];
      await checkOp({
        name: 'loraLinear (no bias)', shapes: [[rows, k], [n, k], [r, k], [n, r]],
        run: ([x, w, a, up]) => tc.loraLinear(x, w, null, a, up, s),
        ref: ([x, w, a, up]) => loraLinear64(x, w, null, a, up, rows, k, n, r, s),
      }, device);
    });
  });
}
