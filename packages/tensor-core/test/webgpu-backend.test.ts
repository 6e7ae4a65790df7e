import { describe, expect, it } from 'vitest';
import { cpu, f32ToBf16Bits, f32ToF16Bits, loraLinear, tensor, type DType, type StorageArray } from '@loraflow/tensor-core';
import { geluErf, sigmoid } from '../src/backends/cpu/scalar-math.js';
import type { Backend, Storage } from '../src/device/backend.js';
import { dispatchGrid } from '../src/backends/webgpu/dispatch-grid.js';
import { bucketBytes } from '../src/backends/webgpu/buffer-pool.js';
import { collapseLayout } from '../src/backends/webgpu/strided-layout.js';
import type { WebGpuBackend } from '../src/backends/webgpu/webgpu-backend.js';
import { DEVICES } from './backends.js';
import { maxRelError, randomValues, strides } from './reference.js';
import { matmulEpilogue64 } from './ref-math.js';

const gpuDevices = DEVICES.filter((d) => d.kind === 'webgpu');
const ref = cpu.backend;

/** Values where rounding to f16 / bf16 is easy to get wrong: ties, subnormals, overflow, signed zero. */
const TRICKY = Float32Array.from([
  0, -0, 1, -1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 1 - 2 ** -12, 65504, 65519.99, 65520, -65520, 1e6,
  6e-8, 2 ** -24, 3 * 2 ** -25, 2 ** -25, 2 ** -26, 5.9e-8, 6.1e-5, 2 ** -14 - 2 ** -25, 3.0517578125e-5, 1e-40, -1e-39, 1 + 2 ** -8, 1 + 3 * 2 ** -8,
  3.3895313892515355e38, 3.4028234663852886e38, Infinity, -Infinity, NaN, 0.1, -0.3, 123.456, 255.9, 256.5, -3.7, 2 ** 31 - 128, 7.5e-3,
]);

function bits(a: StorageArray): number[] {
  if (a instanceof Float32Array) return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
  return Array.from(a);
}

async function readBoth(g: Backend, gs: Storage, cs: Storage): Promise<[StorageArray, StorageArray]> {
  return [await g.read(gs), await ref.read(cs)];
}

it('the WebGPU device is found whenever LORAFLOW_REQUIRE_WEBGPU=1 asks for it', () => {
  const required = process.env.LORAFLOW_REQUIRE_WEBGPU === '1';
  expect(required ? gpuDevices.length : 1).toBeGreaterThan(0);
});

it('dispatchGrid splits workgroups over x and y without passing the per-dimension limit', () => {
  for (const total of [1, 65535, 65536, 200_000, 65535 * 65535]) {
    const [x, y] = dispatchGrid(total, 65535);
    expect(x).toBeLessThanOrEqual(65535);
    expect(y).toBeLessThanOrEqual(65535);
    expect(x * y).toBeGreaterThanOrEqual(total);
    expect(x * (y - 1)).toBeLessThan(total);
  }
});

it('collapseLayout merges dims contiguous in every operand and drops size-1 dims', () => {
  expect(collapseLayout([2, 3, 4], [strides([2, 3, 4]), strides([2, 3, 4])])).toEqual({ shape: [24], strides: [[1], [1]] });
  expect(collapseLayout([2, 1, 3, 4], [[12, 12, 4, 1], [0, 0, 4, 1]])).toEqual({ shape: [2, 12], strides: [[12, 1], [0, 1]] });
});

it('bucketBytes rounds up by at most a quarter of the size', () => {
  for (const n of [1, 255, 256, 257, 1000, 4096, 5000, 1 << 20, (1 << 20) + 1, 123_456_789]) {
    const b = bucketBytes(n);
    expect(b).toBeGreaterThanOrEqual(n);
    expect(b).toBeLessThanOrEqual(Math.max(256, n * 1.25));
  }
});

for (const device of gpuDevices) {
  const g = device.backend as WebGpuBackend;

  describe(`webgpu backend (${device.info().summary})`, () => {
    it('describes the adapter with its features and limits', () => {
      const info = device.info();
      expect(info.kind).toBe('webgpu');
      expect(info.summary).toMatch(/^webgpu: /);
      expect(typeof info.adapter?.software).toBe('boolean');
      expect(info.limits?.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 << 20);
      expect(info.limits?.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65535);
      expect(Array.isArray(info.features)).toBe(true);
    });

    const casts: [DType, DType][] = [
      ['f32', 'f16'], ['f32', 'bf16'], ['f32', 'i32'], ['f32', 'u8'], ['f16', 'bf16'], ['bf16', 'f16'], ['f16', 'f32'], ['bf16', 'i32'],
      ['i32', 'f16'], ['i32', 'bf16'], ['i32', 'u8'], ['u8', 'f32'], ['u8', 'i32'], ['i32', 'f32'],
    ];
    for (const [from, to] of casts) {
      it(`cast ${from} -> ${to} is bit-identical to the CPU on tricky values`, async () => {
        const source = ref.cast(ref.upload(TRICKY, 'f32'), from);
        const host = await ref.read(source);
        const [a, b] = await readBoth(g, g.cast(g.upload(host, from), to), ref.cast(source, to));
        expect(a.constructor).toBe(b.constructor);
        expect(bits(a)).toEqual(bits(b));
      });
    }

    it('uploads and reads back every dtype unchanged', async () => {
      const halves = Uint16Array.from(TRICKY, (v) => f32ToF16Bits(v));
      const brains = Uint16Array.from(TRICKY, (v) => f32ToBf16Bits(v));
      const data: [StorageArray, DType][] = [[TRICKY, 'f32'], [halves, 'f16'], [brains, 'bf16'], [Int32Array.from([0, -1, 2 ** 31 - 1, -(2 ** 31), 7]), 'i32'], [Uint8Array.from([0, 1, 128, 255]), 'u8']];
      for (const [values, dtype] of data) expect(bits(await g.read(g.upload(values, dtype)))).toEqual(bits(values));
    });

    it('fill rounds the value like the CPU for every dtype', async () => {
      for (const dtype of ['f32', 'f16', 'bf16', 'i32', 'u8'] as DType[]) {
        for (const value of [0, 1.00048828125, -2.7, 300.5, 65520]) {
          const [a, b] = await readBoth(g, g.fill(5, dtype, value), ref.fill(5, dtype, value));
          expect(bits(a), `${dtype} ${value}`).toEqual(bits(b));
        }
      }
    });

    it('a freed buffer is reused from the pool and holds the new data', async () => {
      await g.sync();
      const first = g.upload(new Float32Array(1000).fill(3), 'f32');
      await g.read(first);
      g.free(first);
      await g.sync();
      const before = g.stats().pool;
      const values = Float32Array.from(randomValues(1000, 5));
      const second = g.upload(values, 'f32');
      const after = g.stats().pool;
      expect(after.reused).toBe(before.reused + 1);
      expect(after.created).toBe(before.created);
      expect(await g.read(second)).toEqual(values);
      g.free(second);
    });

    it('using a freed storage is an error that says so', () => {
      const s = g.upload(new Float32Array(4), 'f32');
      g.free(s);
      expect(() => g.unary('exp', s)).toThrow(/used after being freed/);
    });

    it('gather rejects an out-of-range uploaded index on the host', () => {
      const src = g.upload(new Float32Array(12), 'f32');
      expect(() => g.gather(src, g.upload(Int32Array.from([0, 3]), 'i32'), 1, 3, 4)).toThrow(/index 3 at position 1 is out of range \[0, 3\)/);
    });

    it('records many dispatches and submits them in a few batches', async () => {
      const before = g.stats().recorder;
      const x = g.upload(Float32Array.from([1, 2, 3, 4]), 'f32');
      const one = g.fill(4, 'f32', 1);
      let acc = x;
      for (let i = 0; i < 1000; i++) {
        const next = g.binary('add', acc, [1], one, [1], [4]);
        if (acc !== x) g.free(acc);
        acc = next;
      }
      expect(Array.from((await g.read(acc)) as Float32Array)).toEqual([1001, 1002, 1003, 1004]);
      const after = g.stats().recorder;
      expect(after.dispatches - before.dispatches).toBeGreaterThanOrEqual(1001);
      expect(after.submits - before.submits).toBeLessThan(20);
    });

    it('splits an elementwise dispatch larger than 65535 workgroups across two dimensions', async () => {
      const n = 65535 * 256 + 1000;
      const x = g.upload(Float32Array.from({ length: n }, (_, i) => (i % 1000) - 500), 'f32');
      const y = (await g.read(g.unary('neg', x))) as Float32Array;
      let bad = 0;
      for (let i = 0; i < n; i++) if (y[i] !== 500 - (i % 1000)) bad++;
      expect(bad).toBe(0);
    });

    it('reduces more than 65535 rows with the workgroup-per-row kernel', async () => {
      const outer = 70_000;
      const inner = 65;
      const values = Float32Array.from(randomValues(outer * inner, 11));
      const x = g.upload(values, 'f32');
      const sums = await g.read(g.reduce('sum', x, outer, inner));
      const expected = new Float64Array(outer);
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) expected[o] += values[o * inner + i];
      // f32 sums of 65 terms of magnitude <= 1.1: error ~ 65 * 6e-8 against the term scale (floor 1).
      expect(maxRelError(sums, expected, 1)).toBeLessThan(1e-5);
      const [a, b] = await readBoth(g, g.reduce('argmax', x, outer, inner), ref.reduce('argmax', ref.upload(values, 'f32'), outer, inner));
      expect(Array.from(a)).toEqual(Array.from(b));
    });

    it('max/argmax propagate NaN and argmax/argmin keep the first of tied values, on both reduction kernels', async () => {
      for (const inner of [7, 300]) {
        const values = Float32Array.from({ length: 4 * inner }, (_, i) => Math.floor(((i * 37) % 11) / 3));
        values[inner + 5] = NaN;
        values[inner + inner - 1] = NaN;
        for (const op of ['max', 'min', 'argmax', 'argmin'] as const) {
          const [a, b] = await readBoth(g, g.reduce(op, g.upload(values, 'f32'), 4, inner), ref.reduce(op, ref.upload(values, 'f32'), 4, inner));
          expect(Array.from(a), `${op} inner ${inner}`).toEqual(Array.from(b));
        }
      }
    });

    // Ragged sizes take the bounds-checked scalar-load kernels, multiples of 4 the vec4 loads, multiples of the tile the unchecked
    // kernels; outputs under 64 tiles of 64 x 64 use 32 x 32 tiles, the last two shapes the 64 x 64 ones.
    const matmulShapes = [[3, 131, 70, 150], [2, 36, 68, 40], [2, 128, 192, 64], [70, 65, 66, 20], [16, 128, 128, 64]];
    it.each(matmulShapes)('matmul [%i x %i x %i, k %i] with transposes and a broadcast operand matches float64', async (batch, m, n, k) => {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        const a = Float32Array.from(randomValues(batch * m * k, 21));
        const b = Float32Array.from(randomValues(k * n, 22));
        const p = { batch, m, n, k, transA, transB, aBatchStride: m * k, bBatchStride: 0 };
        const out = (await g.read(g.matmul(g.upload(a, 'f32'), g.upload(b, 'f32'), p))) as Float32Array;
        const expected = matmulEpilogue64(a, b, p);
        // f32 accumulation over <= 150 terms of magnitude <= 1.2: ~150 * 6e-8 against the term scale (floor 1).
        expect(maxRelError(out, expected, 1), `trans ${transA} ${transB}`).toBeLessThan(1e-5);
      }
    });

    it.each([[5, 37, 19], [64, 128, 32]])('matmulFused adds the bias and applies GELU in the epilogue (m %i, n %i, k %i)', async (m, n, k) => {
      const a = Float32Array.from(randomValues(m * k, 81));
      const b = Float32Array.from(randomValues(n * k, 82));
      const bias = Float32Array.from(randomValues(n, 83));
      const p = { batch: 1, m, n, k, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 };
      const out = await g.read(g.matmulFused(g.upload(a, 'f32'), g.upload(b, 'f32'), p, { bias: g.upload(bias, 'f32'), activation: 'gelu_erf' }));
      const expected = new Float64Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = bias[j];
          for (let q = 0; q < k; q++) s += a[i * k + q] * b[j * k + q];
          expected[i * n + j] = geluErf(s);
        }
      }
      // f32 sums of <= 37 terms, then GELU (slope <= 1.13): judged against the term scale (floor 1).
      expect(maxRelError(out, expected, 1)).toBeLessThan(1e-5);
    });

    it.each([[37, 48, 40, 4], [64, 64, 128, 8]])('loraLinear (m %i, k %i, n %i, rank %i) matches act(x W^T + b + s (x A^T) B^T) in float64', async (m, k, n, rank) => {
      const [x, w, a, b, bias] = [[m * k, 91], [n * k, 92], [rank * k, 93], [n * rank, 94], [n, 95]].map(([len, seed]) => Float32Array.from(randomValues(len, seed)));
      const scale = 0.75;
      const on = (v: Float32Array, shape: number[]) => tensor(v, shape, { device });
      // The loraLinear op (three epilogue-fused matmuls on this backend), then the activation.
      const out = await loraLinear(on(x, [m, k]), on(w, [n, k]), on(bias, [n]), on(a, [rank, k]), on(b, [n, rank]), scale).silu().data();
      const expected = new Float64Array(m * n);
      for (let i = 0; i < m; i++) {
        const h = new Float64Array(rank);
        for (let r = 0; r < rank; r++) for (let q = 0; q < k; q++) h[r] += x[i * k + q] * a[r * k + q];
        for (let j = 0; j < n; j++) {
          let s = bias[j];
          for (let q = 0; q < k; q++) s += x[i * k + q] * w[j * k + q];
          for (let r = 0; r < rank; r++) s += scale * h[r] * b[j * rank + r];
          expected[i * n + j] = s * sigmoid(s);
        }
      }
      // f32 sums of <= 64 terms plus a rank-8 update: judged against the term scale (floor 1).
      expect(maxRelError(out, expected, 1)).toBeLessThan(2e-5);
    });

    it('copies between strided views of high rank like the CPU', async () => {
      const shape = [2, 3, 2, 2, 3, 2, 2];
      const n = shape.reduce((x, y) => x * y, 1);
      const values = Float32Array.from(randomValues(n, 31));
      // A permuted source view into a destination with padding on every axis.
      const perm = [6, 0, 5, 1, 4, 2, 3];
      const st = strides(perm.map((p) => shape[p]));
      const srcStrides = shape.map((_, d) => st[perm.indexOf(d)]);
      const padded = shape.map((d) => d + 1);
      const dstStrides = strides(padded);
      const dstSize = padded.reduce((x, y) => x * y, 1);
      const gd = g.fill(dstSize, 'f32', -9);
      const cd = ref.fill(dstSize, 'f32', -9);
      g.copy(g.upload(values, 'f32'), { offset: 0, strides: srcStrides }, gd, { offset: 1, strides: dstStrides }, shape);
      ref.copy(ref.upload(values, 'f32'), { offset: 0, strides: srcStrides }, cd, { offset: 1, strides: dstStrides }, shape);
      const [a, b] = await readBoth(g, gd, cd);
      expect(bits(a)).toEqual(bits(b));
    });

    it('indexedSum caches each uploaded IndexMap by key', async () => {
      const map = { rowPtr: Int32Array.from([0, 2, 2, 5]), colIdx: Int32Array.from([1, 4, 0, 3, 3]), rows: 3, key: 'webgpu-test-map' };
      const values = Float32Array.from(randomValues(20, 41));
      const before = g.stats().indexMaps;
      for (let i = 0; i < 3; i++) {
        const [a, b] = await readBoth(g, g.indexedSum(g.upload(values, 'f32'), map, 2, 10), ref.indexedSum(ref.upload(values, 'f32'), map, 2, 10));
        expect(maxRelError(a, b)).toBeLessThan(1e-6);
      }
      expect(g.stats().indexMaps).toBe(before + 1);
    });

    it('a 1,000-step op loop keeps the buffer pool flat', async () => {
      const w = g.upload(Float32Array.from(randomValues(256, 51)), 'f32');
      const step = () => {
        const x = g.upload(Float32Array.from(randomValues(64, 52)), 'f32');
        const y = g.matmul(x, w, { batch: 1, m: 4, n: 16, k: 16, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
        const z = g.unary('gelu_erf', y);
        const s = g.reduce('sum', z, 4, 16);
        for (const t of [x, y, z, s]) g.free(t);
      };
      // Warm up with the same pattern (a sync every 100 steps) so the pool reaches its steady size.
      for (let i = 0; i < 200; i++) {
        step();
        if (i % 100 === 99) await g.sync();
      }
      const warm = g.stats().pool;
      for (let i = 0; i < 1000; i++) {
        step();
        if (i % 100 === 99) await g.sync();
      }
      await g.sync();
      const after = g.stats().pool;
      expect(after.created).toBe(warm.created);
      expect(after.liveBytes).toBe(warm.liveBytes);
    });
  });
}
