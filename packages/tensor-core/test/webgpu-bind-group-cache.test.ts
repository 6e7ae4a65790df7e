import { describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../src/backends/webgpu/webgpu-backend.js';
import { DEVICES } from './backends.js';
import { randomF32 } from './reference.js';

const gpuDevices = DEVICES.filter((d) => d.kind === 'webgpu');

it('bind group cache tests run wherever a WebGPU device is required', () => {
  expect(process.env.LORAFLOW_REQUIRE_WEBGPU === '1' ? gpuDevices.length : 1).toBeGreaterThan(0);
});

for (const device of gpuDevices) {
  const g = device.backend as WebGpuBackend;

  describe(`webgpu bind group cache (${device.info().summary})`, () => {
    it('a repeated op loop on recycled buffers reuses bind groups and still sees each step\'s data and params', async () => {
      await g.sync();
      const before = g.stats().recorder.bindGroupHits;
      for (let step = 0; step < 4; step++) {
        await g.sync();
        const n = 300;
        const x = randomF32(n, 70 + step);
        const w = randomF32(n * 3, 80 + step);
        const sx = g.upload(x, 'f32');
        const sw = g.upload(w, 'f32');
        // The same kernels and (after the first step) the same pooled buffers in the same uniform slots.
        const scaled = g.matmulFused(sx, sw, { batch: 1, m: 1, n: 3, k: n, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 }, { alpha: step + 1 });
        const out = (await g.read(scaled)) as Float32Array;
        for (let j = 0; j < 3; j++) {
          let s = 0;
          for (let q = 0; q < n; q++) s += x[q] * w[j * n + q];
          expect(out[j], `step ${step} column ${j}`).toBeCloseTo((step + 1) * s, 4);
        }
        for (const s of [sx, sw, scaled]) g.free(s);
      }
      expect(g.stats().recorder.bindGroupHits).toBeGreaterThan(before);
    });
  });
}
