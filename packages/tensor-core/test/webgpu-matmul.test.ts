import { describe, expect, it } from 'vitest';
import type { MatmulParams } from '../src/device/backend.js';
import { matmulKernel, type MatmulConfig } from '../src/backends/webgpu/kernels/matmul.wgsl.js';
import { WebGpuBackend, type MatmulShape } from '../src/backends/webgpu/webgpu-backend.js';
import { matmulEpilogue64 } from './ref-math.js';
import { DEVICES } from './backends.js';
import { maxRelError, randomF32 } from './reference.js';

const gpuDevices = DEVICES.filter((d) => d.kind === 'webgpu');


const relu = (x: number) => Math.max(0, x);

it('matmul kernel keys are distinct exactly when the generated WGSL differs (pipeline cache correctness)', () => {
  const base: MatmulConfig = { transA: false, transB: false, rows: 8, groups: 1, threads: 8, vecA: true, vecB: true, fit: true };
  const variants: MatmulConfig[] = [
    base,
    { ...base, transA: true },
    { ...base, transB: true },
    { ...base, rows: 4 },
    { ...base, groups: 2 },
    { ...base, threads: 16 },
    { ...base, vecA: false, fit: false },
    { ...base, vecB: false, fit: false },
    { ...base, fit: false },
    { ...base, formA: 'f16' },
    { ...base, formB: 'f16' },
    { ...base, bias: true },
    { ...base, activation: 'relu' },
    { ...base, accumulate: true },
  ];
  const kernels = variants.map(matmulKernel);
  expect(new Set(kernels.map((k) => k.key)).size).toBe(variants.length);
  expect(new Set(kernels.map((k) => k.wgsl())).size).toBe(variants.length);
  // The same config gives the same key and text.
  expect(matmulKernel({ ...base }).key).toBe(kernels[0].key);
  expect(matmulKernel({ ...base }).wgsl()).toBe(kernels[0].wgsl());
});

for (const device of gpuDevices) {
  const g = device.backend as WebGpuBackend;

  describe(`webgpu matmul blocks (${device.info().summary})`, () => {
    // The default block and two alternatives (lavapipe compiles larger register blocks slowly), each on a shape that fits it exactly (vec4 stores, no clamps) and a ragged one (clamps, K tail, scalar loads).
    const blocks: MatmulShape[] = [{ rows: 8, groups: 1, threads: 8 }, { rows: 4, groups: 2, threads: 8 }, { rows: 4, groups: 1, threads: 16 }];
    it.each(blocks)('block %o matches float64 on fitting and ragged shapes with every transpose', async (shape) => {
      const backend = new WebGpuBackend(g.device, { matmulShape: shape });
      try {
        const cols = 4 * shape.groups * shape.threads;
        for (const [batch, m, n, k] of [[2, 2 * shape.rows, 2 * cols, 12], [1, shape.rows + 3, cols + 5, 13], [3, 9, 36, 8]]) {
          for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
            const a = randomF32(batch * m * k, 11 + m);
            const b = randomF32(batch * k * n, 12 + n);
            // Per-batch B in the first shape, a broadcast A in the last.
            const p: MatmulParams = { batch, m, n, k, transA, transB, aBatchStride: batch === 3 ? 0 : m * k, bBatchStride: batch === 2 ? k * n : 0 };
            const out = (await backend.read(backend.matmul(backend.upload(a, 'f32'), backend.upload(b, 'f32'), p))) as Float32Array;
            // f32 sums of <= 13 terms of magnitude <= 1.21, judged against the term scale (floor 1).
            expect(maxRelError(out, matmulEpilogue64(a, b, p), 1), `${batch} x ${m} x ${n} x ${k} trans ${transA} ${transB}`).toBeLessThan(2e-6);
          }
        }
      } finally {
        backend.destroy();
      }
    });

    // m <= 4 takes the few-rows block by default.
    it('epilogues: alpha alone, accumulate with bias and ReLU, on the fitting (vec4) and ragged stores', async () => {
      for (const [m, n, k] of [[16, 64, 20], [11, 30, 9], [3, 40, 12], [1, 64, 8]]) {
        const p: MatmulParams = { batch: 2, m, n, k, transA: false, transB: true, aBatchStride: m * k, bBatchStride: 0 };
        const a = randomF32(2 * m * k, 31);
        const b = randomF32(n * k, 32);
        const into = randomF32(2 * m * n, 33);
        const bias = randomF32(n, 34);
        const scaled = await g.read(g.matmulFused(g.upload(a, 'f32'), g.upload(b, 'f32'), p, { alpha: -0.75 }));
        expect(maxRelError(scaled as Float32Array, matmulEpilogue64(a, b, p, { alpha: -0.75 }), 1), `alpha ${m}`).toBeLessThan(2e-6);
        const target = g.upload(into, 'f32');
        const same = g.matmulFused(g.upload(a, 'f32'), g.upload(b, 'f32'), p, { into: target, alpha: 0.5, bias: g.upload(bias, 'f32'), activation: 'relu' });
        expect(same).toBe(target);
        const expected = matmulEpilogue64(a, b, p, { alpha: 0.5, into, bias, act: relu });
        expect(maxRelError((await g.read(same)) as Float32Array, expected, 1), `accumulate ${m}`).toBeLessThan(2e-6);
      }
    });

    it('splits more than 65535 row blocks over several dispatches', async () => {
      const m = 8 * 65535 + 13;
      const p: MatmulParams = { batch: 1, m, n: 3, k: 2, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
      const a = randomF32(m * 2, 41);
      const b = randomF32(6, 42);
      const out = (await g.read(g.matmul(g.upload(a, 'f32'), g.upload(b, 'f32'), p))) as Float32Array;
      expect(maxRelError(out, matmulEpilogue64(a, b, p), 1)).toBeLessThan(1e-6);
    });
  });
}
