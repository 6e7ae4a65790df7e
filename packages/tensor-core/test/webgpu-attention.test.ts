import { describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../src/backends/webgpu/webgpu-backend.js';
import { DEVICES } from './backends.js';
import { maxRelError, randomValues } from './reference.js';

const gpuDevices = DEVICES.filter((d) => d.kind === 'webgpu');

interface Case {
  batch: number;
  lq: number;
  lk: number;
  d: number;
  dv: number;
  causal: boolean;
  mask: boolean;
}

/** softmax(q k^T * scale + mask) v in float64, with key j visible to query i when j <= i if causal. */
function reference(q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, c: Case, scale: number): Float64Array {
  const out = new Float64Array(c.batch * c.lq * c.dv);
  const s = new Float64Array(c.lk);
  for (let b = 0; b < c.batch; b++) {
    for (let i = 0; i < c.lq; i++) {
      let mx = -Infinity;
      for (let j = 0; j < c.lk; j++) {
        let dot = 0;
        for (let t = 0; t < c.d; t++) dot += q[(b * c.lq + i) * c.d + t] * k[(b * c.lk + j) * c.d + t];
        s[j] = c.causal && j > i ? -Infinity : dot * scale + (mask ? mask[i * c.lk + j] : 0);
        mx = Math.max(mx, s[j]);
      }
      let z = 0;
      for (let j = 0; j < c.lk; j++) z += (s[j] = Math.exp(s[j] - mx));
      for (let j = 0; j < c.lk; j++) {
        for (let t = 0; t < c.dv; t++) out[(b * c.lq + i) * c.dv + t] += (s[j] / z) * v[(b * c.lk + j) * c.dv + t];
      }
    }
  }
  return out;
}

it('fused attention runs wherever a WebGPU device is required', () => {
  expect(process.env.LORAFLOW_REQUIRE_WEBGPU === '1' ? gpuDevices.length : 1).toBeGreaterThan(0);
});

for (const device of gpuDevices) {
  const g = device.backend as WebGpuBackend;
  describe(`fused attention on ${device.kind}`, () => {
    const cases: Case[] = [
      { batch: 2, lq: 70, lk: 45, d: 16, dv: 8, causal: false, mask: false },
      { batch: 3, lq: 33, lk: 33, d: 32, dv: 32, causal: true, mask: false },
      { batch: 2, lq: 20, lk: 37, d: 8, dv: 12, causal: false, mask: true },
      { batch: 1, lq: 130, lk: 130, d: 64, dv: 64, causal: true, mask: true },
    ];
    it.each(cases)('matches float64 for %o', async (c) => {
      const q = Float32Array.from(randomValues(c.batch * c.lq * c.d, 61));
      const k = Float32Array.from(randomValues(c.batch * c.lk * c.d, 62));
      const v = Float32Array.from(randomValues(c.batch * c.lk * c.dv, 63));
      const mask = c.mask ? Float32Array.from(randomValues(c.lq * c.lk, 64)) : null;
      const scale = 1 / Math.sqrt(c.d);
      const out = await g.read(
        g.attention(g.upload(q, 'f32'), g.upload(k, 'f32'), g.upload(v, 'f32'), mask ? g.upload(mask, 'f32') : null, {
          ...c,
          scale,
          kBatchStride: c.lk * c.d,
          vBatchStride: c.lk * c.dv,
          maskBatchStride: 0,
        }),
      );
      // Outputs are convex combinations of v rows (|v| <= 1.1): judge errors against that scale.
      expect(maxRelError(out, reference(q, k, v, mask, c, scale), 1)).toBeLessThan(1e-5);
    });

    it('gives NaN for a query row whose keys are all masked out, like softmax over -inf', async () => {
      const c = { batch: 1, lq: 2, lk: 3, d: 4, dv: 2 };
      const mask = Float32Array.from([0, 0, 0, -Infinity, -Infinity, -Infinity]);
      const ones = (n: number) => g.upload(Float32Array.from(randomValues(n, 71)), 'f32');
      const out = await g.read(g.attention(ones(8), ones(12), ones(6), g.upload(mask, 'f32'), { ...c, scale: 0.5, causal: false, kBatchStride: 0, vBatchStride: 0, maskBatchStride: 0 }));
      expect(Number.isFinite(out[0]) && Number.isFinite(out[1])).toBe(true);
      expect(Number.isNaN(out[2]) && Number.isNaN(out[3])).toBe(true);
    });
  });
}
