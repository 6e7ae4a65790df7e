import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { geluTanh } from '../src/backends/cpu/scalar-math.js';
import { DEVICES } from './backends.js';

/** Uniform values in [-1, 1) from a seeded Philox stream (never all zeros). */
async function values(n: number, seed: number): Promise<Float32Array> {
  return (await tc.rand([n], { seed }).mul(2).sub(1).data()) as Float32Array;
}

for (const device of DEVICES) {
  describe(`matmulFused epilogue on ${device.kind}`, () => {
    const backend = device.backend;
    it.each([[5, 37, 19, 1], [70, 130, 64, 3]])('act(alpha * A B^T + into + bias) matches float64 (m %i, n %i, k %i, batch %i)', async (m, n, k, batch) => {
      const [a, b, into, bias] = await Promise.all([values(batch * m * k, 1), values(n * k, 2), values(batch * m * n, 3), values(n, 4)]);
      const alpha = 0.625;
      const p = { batch, m, n, k, transA: false, transB: true, aBatchStride: m * k, bBatchStride: 0 };
      const target = backend.upload(into, 'f32');
      const got = await backend.read(backend.matmulFused!(backend.upload(a, 'f32'), backend.upload(b, 'f32'), p, { alpha, into: target, bias: backend.upload(bias, 'f32'), activation: 'gelu_tanh' }));
      let worst = 0;
      for (let bi = 0; bi < batch; bi++) {
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let q = 0; q < k; q++) s += a[(bi * m + i) * k + q] * b[j * k + q];
            const o = (bi * m + i) * n + j;
            const ref = geluTanh(alpha * s + into[o] + bias[j]);
            worst = Math.max(worst, Math.abs((got as Float32Array)[o] - ref) / Math.max(1, Math.abs(ref)));
          }
        }
      }
      // f32 accumulation of <= 64 products of magnitude <= 1 (~64 * 6e-8), then GELU's slope <= 1.13.
      expect(worst).toBeLessThan(1e-5);
    });

    it('f16 linear matches float64 of the f16 inputs and passes them uncast where the backend reads halves', async () => {
      const [rows, k, n] = [33, 40, 24];
      const [xv, wv, bv] = await Promise.all([values(rows * k, 11), values(n * k, 12), values(n, 13)]);
      const x = tc.tensor(xv, [rows, k], { device, dtype: 'f16' });
      const w = tc.tensor(wv, [n, k], { device, dtype: 'f16' });
      const b = tc.tensor(bv, [n], { device, dtype: 'f16' });
      const [x16, w16, b16] = await Promise.all([x, w, b].map((t) => t.cast('f32').data()));
      const cast = backend.cast.bind(backend);
      let casts = 0;
      backend.cast = (s, to) => {
        casts++;
        return cast(s, to);
      };
      const y = tc.linear(x, w, b);
      backend.cast = cast;
      expect(y.dtype).toBe('f16');
      // Inputs cast to f32 unless the backend reads halves; the f16 result is one cast either way.
      expect(casts).toBe(backend.halfMatmulOperands ? 1 : 4);
      const got = await y.cast('f32').data();
      let worst = 0;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < n; j++) {
          let s = b16[j];
          for (let q = 0; q < k; q++) s += x16[i * k + q] * w16[j * k + q];
          worst = Math.max(worst, Math.abs(got[i * n + j] - s) / Math.max(1, Math.abs(s)));
        }
      }
      // The f16 output rounding (2^-11 relative) dominates the f32 accumulation error.
      expect(worst).toBeLessThan(1e-3);
    });

    it('linear with a bias gives the unfused result and gradients', async () => {
      const x = tc.randn([3, 17, 24], { seed: 5, device, requiresGrad: true });
      const w = tc.randn([40, 24], { seed: 6, device, requiresGrad: true });
      const bias = tc.randn([40], { seed: 7, device, requiresGrad: true });
      const fused = tc.linear(x, w, bias);
      fused.mul(fused).sum().backward();
      const grads = await Promise.all([x, w, bias].map((t) => t.grad!.data()));
      const [xv, wv, bv] = await Promise.all([x, w, bias].map((t) => t.data()));
      // float64 reference: y = x W^T + b, loss = sum y^2, dL/dy = 2y.
      const rows = 3 * 17;
      const y = new Float64Array(rows * 40);
      for (let r = 0; r < rows; r++) for (let o = 0; o < 40; o++) {
        let s = bv[o];
        for (let q = 0; q < 24; q++) s += xv[r * 24 + q] * wv[o * 24 + q];
        y[r * 40 + o] = s;
      }
      const gx = new Float64Array(rows * 24);
      const gw = new Float64Array(40 * 24);
      const gb = new Float64Array(40);
      for (let r = 0; r < rows; r++) for (let o = 0; o < 40; o++) {
        const dy = 2 * y[r * 40 + o];
        gb[o] += dy;
        for (let q = 0; q < 24; q++) {
          gx[r * 24 + q] += dy * wv[o * 24 + q];
          gw[o * 24 + q] += dy * xv[r * 24 + q];
        }
      }
      const fv = await fused.data();
      const rel = (got: ArrayLike<number>, ref: Float64Array) => {
        let scale = 1;
        for (const v of ref) scale = Math.max(scale, Math.abs(v));
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
        return worst / scale;
      };
      expect(rel(fv, y)).toBeLessThan(1e-5);
      expect(rel(grads[0], gx)).toBeLessThan(1e-5);
      expect(rel(grads[1], gw)).toBeLessThan(1e-5);
      expect(rel(grads[2], gb)).toBeLessThan(1e-5);
    });
  });
}
