import { describe, expect, it } from 'vitest';
import type { MatmulParams } from '../src/device/backend.js';
import { f16BitsToF32, f32ToF16Bits } from '../src/dtype.js';
import { matmulKernel, type MatmulConfig } from '../src/backends/webgpu/kernels/matmul.wgsl.js';
import { splitKReduceKernel } from '../src/backends/webgpu/kernels/matmul-split-k-reduce.wgsl.js';
import { splitKPlan, SPLIT_K_MIN_SLICE } from '../src/backends/webgpu/matmul-split-k.js';
import { WebGpuBackend } from '../src/backends/webgpu/webgpu-backend.js';
import { matmulEpilogue64 } from './ref-math.js';
import { DEVICES } from './backends.js';
import { maxRelError, randomF32 } from './reference.js';

const gpuDevices = DEVICES.filter((d) => d.kind === 'webgpu');

/** Workgroups of the default 8-row x 32-column block (webgpu-backend.ts MATMUL_BLOCK) for one output. */
const blockWorkgroups = (batch: number, m: number, n: number) => batch * Math.ceil(m / 8) * Math.ceil(n / 32);


const relu = (x: number) => Math.max(0, x);
const transposes: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

describe('split-K plan (device-independent)', () => {
  it('splits a LoRA factor gradient [16, 3072] x K 4096 and a [64, 64] x K 65536 output, not 512^3', () => {
    const lora = splitKPlan(blockWorkgroups(1, 16, 3072), 4096, null, 1 << 16);
    expect(lora).not.toBeNull();
    expect(lora!.slices).toBeGreaterThanOrEqual(2);
    const square = splitKPlan(blockWorkgroups(1, 64, 64), 65536, null, 1 << 16);
    expect(square!.slices * blockWorkgroups(1, 64, 64)).toBeGreaterThanOrEqual(256);
    expect(splitKPlan(blockWorkgroups(1, 512, 512), 512, null, 1 << 16)).toBeNull();
    // A short K is never split by the heuristic, however small the output.
    expect(splitKPlan(1, 2 * SPLIT_K_MIN_SLICE - 1, null, 1 << 16)).toBeNull();
  });

  it('covers K exactly with non-empty slices of a multiple of 4, and obeys forcing and caps', () => {
    for (const k of [5, 50, 513, 4096, 65537]) {
      for (const forced of [null, 2, 3, 7, 64]) {
        const plan = splitKPlan(1, k, forced, 40);
        if (!plan) continue;
        expect(plan.chunk % 4).toBe(0);
        expect(plan.slices).toBeLessThanOrEqual(40);
        expect((plan.slices - 1) * plan.chunk).toBeLessThan(k);
        expect(plan.slices * plan.chunk).toBeGreaterThanOrEqual(k);
      }
    }
    expect(splitKPlan(1, 4096, 1, 40)).toBeNull();
    expect(splitKPlan(10_000, 4096, 3, 40)).toEqual({ slices: 3, chunk: 1368 });
  });

  it('split-K kernel keys differ exactly when their WGSL does', () => {
    const base: MatmulConfig = { transA: false, transB: false, rows: 8, groups: 1, threads: 8, vecA: true, vecB: true, fit: true };
    const kernels = [base, { ...base, splitK: true }, { ...base, splitK: true, fit: false }, { ...base, splitK: true, transA: true }].map(matmulKernel);
    expect(new Set(kernels.map((k) => k.key)).size).toBe(4);
    expect(new Set(kernels.map((k) => k.wgsl())).size).toBe(4);
    // The partial pass has no epilogue, so epilogue options do not make new partial kernels.
    expect(matmulKernel({ ...base, splitK: true, bias: true, activation: 'relu' }).wgsl()).toBe(kernels[1].wgsl());
    const reduces = [{ vec4: true }, { vec4: false }, { vec4: true, bias: true }, { vec4: true, activation: 'relu' as const }, { vec4: true, accumulate: true }].map(splitKReduceKernel);
    expect(new Set(reduces.map((k) => k.key)).size).toBe(5);
    expect(new Set(reduces.map((k) => k.wgsl())).size).toBe(5);
  });
});

for (const device of gpuDevices) {
  const g = device.backend as WebGpuBackend;

  describe(`webgpu split-K matmul (${device.info().summary})`, () => {
    // [batch, m, n, k, aBatchStride 0?]: ragged odd shapes with K not a multiple of the slices, a
    // fitting vec4 shape, a few-rows (m <= 4) broadcast batch.
    const shapes: [number, number, number, number, boolean][] = [
      [1, 9, 37, 50, false],
      [2, 16, 64, 40, false],
      [3, 3, 20, 33, true],
    ];
    it.each([3, 64])('forced split into %i slices matches float64 for every transpose, ragged shapes and broadcast batches', async (slices) => {
      const backend = new WebGpuBackend(g.device, { matmulSplitK: slices });
      try {
        for (const [batch, m, n, k, broadcastA] of shapes) {
          for (const [transA, transB] of transposes) {
            const a = randomF32(batch * m * k, 71 + m);
            const b = randomF32(batch * k * n, 72 + n);
            const p: MatmulParams = { batch, m, n, k, transA, transB, aBatchStride: broadcastA ? 0 : m * k, bBatchStride: broadcastA ? k * n : 0 };
            const before = backend.stats().recorder.dispatches;
            const out = (await backend.read(backend.matmul(backend.upload(a, 'f32'), backend.upload(b, 'f32'), p))) as Float32Array;
            expect(backend.stats().recorder.dispatches - before, 'partial and reduce dispatches').toBe(2);
            expect(maxRelError(out, matmulEpilogue64(a, b, p), 1), `${batch} x ${m} x ${n} x ${k} trans ${transA} ${transB}`).toBeLessThan(5e-6);
          }
        }
      } finally {
        backend.destroy();
      }
    });

    it('epilogues (alpha, accumulate, bias, activation) on the vec4 and scalar reductions', async () => {
      const backend = new WebGpuBackend(g.device, { matmulSplitK: 4 });
      try {
        for (const [m, n, k] of [[16, 64, 100], [11, 30, 77], [2, 40, 64]]) {
          const p: MatmulParams = { batch: 2, m, n, k, transA: true, transB: false, aBatchStride: m * k, bBatchStride: 0 };
          const a = randomF32(2 * m * k, 81);
          const b = randomF32(n * k, 82);
          const into = randomF32(2 * m * n, 83);
          const bias = randomF32(n, 84);
          const scaled = await backend.read(backend.matmulFused(backend.upload(a, 'f32'), backend.upload(b, 'f32'), p, { alpha: -0.75 }));
          expect(maxRelError(scaled as Float32Array, matmulEpilogue64(a, b, p, { alpha: -0.75 }), 1), `alpha ${m}`).toBeLessThan(5e-6);
          const biased = await backend.read(backend.matmulFused(backend.upload(a, 'f32'), backend.upload(b, 'f32'), p, { bias: backend.upload(bias, 'f32'), activation: 'tanh' }));
          expect(maxRelError(biased as Float32Array, matmulEpilogue64(a, b, p, { bias, act: Math.tanh }), 1), `bias tanh ${m}`).toBeLessThan(5e-6);
          const target = backend.upload(into, 'f32');
          const same = backend.matmulFused(backend.upload(a, 'f32'), backend.upload(b, 'f32'), p, { into: target, alpha: 0.5, bias: backend.upload(bias, 'f32'), activation: 'relu' });
          expect(same).toBe(target);
          expect(maxRelError((await backend.read(same)) as Float32Array, matmulEpilogue64(a, b, p, { alpha: 0.5, into, bias, act: relu }), 1), `accumulate ${m}`).toBeLessThan(5e-6);
        }
      } finally {
        backend.destroy();
      }
    });

    it('f16 operands (packed halves where the device has shader-f16) and repeatable results', async () => {
      const backend = new WebGpuBackend(g.device, { matmulSplitK: 5 });
      try {
        for (const [m, n, k] of [[8, 64, 96], [7, 33, 61]]) {
          for (const [transA, transB] of transposes) {
            const aHalf = Uint16Array.from(randomF32(m * k, 91), (v) => f32ToF16Bits(v));
            const bHalf = Uint16Array.from(randomF32(k * n, 92), (v) => f32ToF16Bits(v));
            const p: MatmulParams = { batch: 1, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0 };
            const run = async () => (await backend.read(backend.matmul(backend.upload(aHalf, 'f16'), backend.upload(bHalf, 'f16'), p))) as Float32Array;
            const out = await run();
            const expected = matmulEpilogue64(Float64Array.from(aHalf, f16BitsToF32), Float64Array.from(bHalf, f16BitsToF32), p);
            expect(maxRelError(out, expected, 1), `${m} x ${n} x ${k} trans ${transA} ${transB}`).toBeLessThan(1e-5);
            // Slices are summed in a fixed order: the same inputs give the same bits.
            expect(await run()).toEqual(out);
          }
        }
      } finally {
        backend.destroy();
      }
    });

    it('the default heuristic splits [16, 3072] x K 4096 (two dispatches) and not 512^3 (one)', async () => {
      const lora: MatmulParams = { batch: 1, m: 16, n: 3072, k: 4096, transA: true, transB: false, aBatchStride: 0, bBatchStride: 0 };
      const a = randomF32(16 * 4096, 101);
      const b = randomF32(4096 * 3072, 102);
      let before = g.stats().recorder.dispatches;
      const out = (await g.read(g.matmul(g.upload(a, 'f32'), g.upload(b, 'f32'), lora))) as Float32Array;
      expect(g.stats().recorder.dispatches - before).toBe(2);
      // Spot-check rows 0 and 15 against float64 (the full reference is 200M multiply-adds).
      for (const i of [0, 15]) {
        for (const j of [0, 1, 1000, 3071]) {
          let s = 0;
          for (let q = 0; q < 4096; q++) s += a[q * 16 + i] * b[q * 3072 + j];
          expect(Math.abs(out[i * 3072 + j] - s), `(${i}, ${j})`).toBeLessThan(1e-3);
        }
      }
      const square: MatmulParams = { batch: 1, m: 512, n: 512, k: 512, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
      before = g.stats().recorder.dispatches;
      const sq = g.matmul(g.upload(randomF32(512 * 512, 103), 'f32'), g.upload(randomF32(512 * 512, 104), 'f32'), square);
      expect(g.stats().recorder.dispatches - before).toBe(1);
      g.free(sq);
    });
  });
}
