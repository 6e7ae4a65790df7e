import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { DEVICES } from './backends.js';
import { checkOp } from './op-check.js';
import { matmul64, softmaxRows64 } from './ref-math.js';

function normRows64(x: Float64Array, len: number, kind: 'layer' | 'rms', eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / len; r++) {
    const row = x.slice(r * len, (r + 1) * len);
    const mean = kind === 'layer' ? row.reduce((a, b) => a + b, 0) / len : 0;
    const ms = row.reduce((a, b) => a + (b - mean) ** 2, 0) / len;
    for (let i = 0; i < len; i++) out[r * len + i] = (row[i] - mean) / Math.sqrt(ms + eps);
  }
  return out;
}

function attention64(q: Float64Array, k: Float64Array, v: Float64Array, b: number, lq: number, lk: number, d: number, mask?: (i: number, j: number) => boolean): Float64Array {
  const out = new Float64Array(b * lq * d);
  for (let bi = 0; bi < b; bi++) {
    const s = new Float64Array(lq * lk);
    for (let i = 0; i < lq; i++)
      for (let j = 0; j < lk; j++) {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += q[bi * lq * d + i * d + t] * k[bi * lk * d + j * d + t];
        s[i * lk + j] = mask && !mask(i, j) ? -Infinity : dot / Math.sqrt(d);
      }
    const p = softmaxRows64(s, lk);
    out.set(matmul64(p, v.slice(bi * lk * d, (bi + 1) * lk * d), 1, lq, lk, d), bi * lq * d);
  }
  return out;
}

for (const device of DEVICES) {
  describe(`softmax, norms and attention on ${device.kind}`, () => {
    const tol = device.kind === 'cpu' ? 1e-5 : 3e-5;
    it('softmax and logSoftmax along the last axis', async () => {
      await checkOp({ name: 'softmax', shapes: [[3, 6]], run: ([x]) => tc.softmax(x.mul(3)), ref: ([x]) => softmaxRows64(x.map((v) => 3 * v), 6), tol }, device);
      await checkOp({ name: 'logSoftmax', shapes: [[3, 6]], run: ([x]) => tc.logSoftmax(x), ref: ([x]) => softmaxRows64(x, 6).map(Math.log), tol }, device);
    });
    it('softmax along a middle axis', async () => {
      const ref = (x: Float64Array) => {
        const out = new Float64Array(24);
        for (let a = 0; a < 2; a++)
          for (let c = 0; c < 4; c++) {
            const col = [0, 1, 2].map((b) => x[a * 12 + b * 4 + c]);
            const p = softmaxRows64(Float64Array.from(col), 3);
            [0, 1, 2].forEach((b, i) => (out[a * 12 + b * 4 + c] = p[i]));
          }
        return out;
      };
      await checkOp({ name: 'softmax axis 1', shapes: [[2, 3, 4]], run: ([x]) => tc.softmax(x, 1), ref: ([x]) => ref(x), tol }, device);
    });
    it('layerNorm with affine weight and bias', async () => {
      await checkOp(
        {
          name: 'layerNorm', shapes: [[4, 8], [8], [8]],
          run: ([x, w, b]) => tc.layerNorm(x, [8], w, b, 1e-5),
          ref: ([x, w, b]) => normRows64(x, 8, 'layer', 1e-5).map((v, i) => v * w[i % 8] + b[i % 8]),
          tol, gradTol: 5e-4,
        },
        device,
      );
    });
    it('rmsNorm with weight', async () => {
      await checkOp(
        { name: 'rmsNorm', shapes: [[4, 8], [8]], run: ([x, w]) => tc.rmsNorm(x, w, 1e-6), ref: ([x, w]) => normRows64(x, 8, 'rms', 1e-6).map((v, i) => v * w[i % 8]), tol },
        device,
      );
    });
    it('groupNorm over channel groups and spatial positions', async () => {
      // [N=2, C=4, H=2, W=3], 2 groups: each group is 2 channels x 6 positions = 12 contiguous values.
      await checkOp(
        {
          name: 'groupNorm', shapes: [[2, 4, 2, 3], [4], [4]],
          run: ([x, w, b]) => tc.groupNorm(x, 2, w, b, 1e-5),
          ref: ([x, w, b]) => normRows64(x, 12, 'layer', 1e-5).map((v, i) => v * w[Math.floor(i / 6) % 4] + b[Math.floor(i / 6) % 4]),
          tol, gradTol: 5e-4,
        },
        device,
      );
    });
    it('scaled-dot-product attention, plain and causal', async () => {
      const [b, lq, lk, d] = [2, 3, 5, 4];
      await checkOp(
        { name: 'sdpa', shapes: [[b, lq, d], [b, lk, d], [b, lk, d]], run: ([q, k, v]) => tc.scaledDotProductAttention(q, k, v), ref: ([q, k, v]) => attention64(q, k, v, b, lq, lk, d), tol },
        device,
      );
      await checkOp(
        {
          name: 'sdpa causal', shapes: [[b, 4, d], [b, 4, d], [b, 4, d]],
          run: ([q, k, v]) => tc.scaledDotProductAttention(q, k, v, { isCausal: true }),
          ref: ([q, k, v]) => attention64(q, k, v, b, 4, 4, d, (i, j) => j <= i), tol,
        },
        device,
      );
    });
    it('attention with a boolean mask ignores masked keys', async () => {
      const [b, lq, lk, d] = [1, 2, 4, 3];
      const mask = tc.tensor([[1, 1, 0, 1], [0, 1, 1, 1]], undefined, { dtype: 'u8', device });
      const allowed = [[1, 1, 0, 1], [0, 1, 1, 1]];
      await checkOp(
        {
          name: 'sdpa mask', shapes: [[b, lq, d], [b, lk, d], [b, lk, d]],
          run: ([q, k, v]) => tc.scaledDotProductAttention(q, k, v, { mask }),
          ref: ([q, k, v]) => attention64(q, k, v, b, lq, lk, d, (i, j) => allowed[i][j] === 1), tol,
        },
        device,
      );
    });
  });

  describe(`gather and embedding on ${device.kind}`, () => {
    it('indexSelect picks rows and scatters gradients with summation (repeated indices)', async () => {
      const idx = tc.tensor(new Int32Array([2, 0, 2, 1]), [4], { device });
      await checkOp(
        { name: 'indexSelect', shapes: [[3, 5]], run: ([x]) => tc.indexSelect(x, 0, idx), ref: ([x]) => Float64Array.from([2, 0, 2, 1].flatMap((r) => Array.from(x.slice(r * 5, r * 5 + 5)))) },
        device,
      );
    });
    it('embedding looks up token vectors for any index shape', async () => {
      const ids = tc.tensor(new Int32Array([1, 3, 3, 0, 2, 1]), [2, 3], { device });
      await checkOp(
        { name: 'embedding', shapes: [[4, 3]], run: ([w]) => tc.embedding(ids, w), ref: ([w]) => Float64Array.from([1, 3, 3, 0, 2, 1].flatMap((r) => Array.from(w.slice(r * 3, r * 3 + 3)))) },
        device,
      );
      expect(tc.embedding(ids, tc.zeros([4, 3], { device })).shape).toEqual([2, 3, 3]);
    });
    it('gather follows torch.gather along an axis', async () => {
      const index = tc.tensor(new Int32Array([0, 2, 1, 1, 0, 0]), [2, 3], { device });
      await checkOp(
        {
          name: 'gather', shapes: [[2, 3]],
          run: ([x]) => tc.gather(x, 1, index),
          ref: ([x]) => Float64Array.from([0, 2, 1, 1, 0, 0].map((j, i) => x[Math.floor(i / 3) * 3 + j])),
        },
        device,
      );
    });
    it('an out-of-range index is an error, not garbage', async () => {
      const bad = tc.tensor(new Int32Array([5]), [1], { device });
      await expect(async () => tc.indexSelect(tc.zeros([3, 2], { device }), 0, bad).data()).rejects.toThrow(/out of range/);
    });
  });
}
