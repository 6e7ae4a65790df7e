import { describe, expect, it } from 'vitest';
import { cpu, f16BitsToF32, f32ToF16Bits, type DType, type StorageArray } from '@loraflow/tensor-core';
import type { WebGpuStorage } from '../src/backends/webgpu/gpu-storage.js';
import type { WebGpuBackend } from '../src/backends/webgpu/webgpu-backend.js';
import { DEVICES } from './backends.js';
import { maxRelError, randomF32, strides } from './reference.js';
import { matmulEpilogue64 } from './ref-math.js';

const gpuDevices = DEVICES.filter((d) => d.kind === 'webgpu');
const ref = cpu.backend;

function bits(a: StorageArray): number[] {
  if (a instanceof Float32Array) return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
  return Array.from(a);
}

/** Random 32-bit patterns, with extra weight on the exponents where f16 rounding is hard (subnormal, overflow, NaN). */
function randomBits(n: number, seed: number): Float32Array {
  const out = new Uint32Array(n);
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const exponents = [0, 1, 90, 100, 102, 103, 110, 112, 113, 127, 141, 142, 143, 200, 255];
  for (let i = 0; i < n; i++) {
    const r = next();
    const ex = i % 2 ? exponents[next() % exponents.length] : (r >>> 23) & 0xff;
    out[i] = (r & 0x807fffff) | (ex << 23);
  }
  return new Float32Array(out.buffer);
}

it('f16 storage tests run wherever a WebGPU device is required', () => {
  expect(process.env.LORAFLOW_REQUIRE_WEBGPU === '1' ? gpuDevices.length : 1).toBeGreaterThan(0);
});

/** Every f16 bit pattern once. */
const ALL_HALVES = Uint16Array.from({ length: 65536 }, (_, i) => i);

for (const device of gpuDevices) {
  const g = device.backend as WebGpuBackend;

  describe(`webgpu f16 storage (${device.info().summary}, packed halves ${g.packedHalves})`, () => {
    it('stores f16 in half the bytes of f32 when the device has shader-f16', () => {
      const n = 1 << 16;
      const f16 = g.upload(new Uint16Array(n), 'f16') as WebGpuStorage;
      const f32 = g.upload(new Float32Array(n), 'f32') as WebGpuStorage;
      expect(f16.packed).toBe(g.packedHalves);
      expect(f16.buffer.size).toBe(g.packedHalves ? f32.buffer.size / 2 : f32.buffer.size);
      expect((g.cast(f32, 'f16') as WebGpuStorage).buffer.size).toBe(f16.buffer.size);
      g.free(f16);
      g.free(f32);
    });

    it('uploads and reads back every f16 bit pattern, odd lengths included', async () => {
      expect(bits(await g.read(g.upload(ALL_HALVES, 'f16')))).toEqual(bits(ALL_HALVES));
      for (const n of [1, 3, 7, 1001]) {
        const part = ALL_HALVES.slice(31_000, 31_000 + n);
        expect(bits(await g.read(g.upload(part, 'f16'))), `length ${n}`).toEqual(bits(part));
      }
    });

    it('casts random f32 bit patterns to f16 bit-identically to the CPU (subnormals, overflow, NaN)', async () => {
      for (const n of [4099, 4100]) {
        const values = randomBits(n, n);
        const [a, b] = [await g.read(g.cast(g.upload(values, 'f32'), 'f16')), await ref.read(ref.cast(ref.upload(values, 'f32'), 'f16'))];
        expect(a).toBeInstanceOf(Uint16Array);
        expect(bits(a)).toEqual(bits(b));
      }
    });

    const fromHalf: DType[] = ['f32', 'bf16', 'i32', 'u8'];
    for (const to of fromHalf) {
      it(`casts every f16 bit pattern to ${to} and back like the CPU`, async () => {
        const gpuOut = g.cast(g.upload(ALL_HALVES, 'f16'), to);
        const cpuOut = ref.cast(ref.upload(ALL_HALVES, 'f16'), to);
        expect(bits(await g.read(gpuOut))).toEqual(bits(await ref.read(cpuOut)));
        // And back: i32 / u8 / bf16 / f32 -> f16 packs again.
        expect(bits(await g.read(g.cast(gpuOut, 'f16')))).toEqual(bits(await ref.read(ref.cast(cpuOut, 'f16'))));
      });
    }

    it('fills f16 of odd length with the rounded value', async () => {
      for (const value of [1.00048828125, -2.7, 65520, 3e-6]) {
        expect(bits(await g.read(g.fill(7, 'f16', value))), String(value)).toEqual(bits(await ref.read(ref.fill(7, 'f16', value))));
      }
    });

    it('copies f16 views (odd offsets, permutations, contiguous runs) like the CPU', async () => {
      const shape = [3, 5, 7];
      const n = 105;
      const halves = Uint16Array.from(randomF32(n, 41), (v) => f32ToF16Bits(v));
      const permuted = [2, 0, 1];
      const st = strides(permuted.map((p) => shape[p]));
      const srcStrides = shape.map((_, d) => st[permuted.indexOf(d)]);
      const cases: [number, number[], number, number[], number[]][] = [
        // [src offset, src strides, dst offset, dst strides, shape]
        [0, srcStrides, 1, strides(shape), shape],
        [1, [1], 3, [1], [100]],
        [2, [1], 4, [1], [100]],
        [2, [1], 4, [1], [101]],
        [0, [1], 6, [1], [105]],
        [3, [7, 2], 0, [4, 1], [10, 3]],
      ];
      for (const [so, ss, dOff, ds, sh] of cases) {
        const dstSize = 111;
        const gd = g.fill(dstSize, 'f16', -9);
        const cd = ref.fill(dstSize, 'f16', -9);
        g.copy(g.upload(halves, 'f16'), { offset: so, strides: ss }, gd, { offset: dOff, strides: ds }, sh);
        ref.copy(ref.upload(halves, 'f16'), { offset: so, strides: ss }, cd, { offset: dOff, strides: ds }, sh);
        expect(bits(await g.read(gd)), `src ${so} ${ss} dst ${dOff} ${ds} shape ${sh}`).toEqual(bits(await ref.read(cd)));
      }
    });

    it('kernels without a packed-half path widen f16 inputs (binary, unary, reduce, gather) and match the CPU', async () => {
      const n = 37;
      const x = Uint16Array.from(randomF32(n, 51), (v) => f32ToF16Bits(v));
      const y = Uint16Array.from(randomF32(n, 52), (v) => f32ToF16Bits(v));
      // The CPU kernels take f32 words, so its reference widens first; the GPU gets the f16 storage itself.
      const run = async (b: typeof ref, widen: boolean) => {
        const up = (v: Uint16Array) => (widen ? b.cast(b.upload(v, 'f16'), 'f32') : b.upload(v, 'f16'));
        const gx = up(x);
        const gy = up(y);
        const product = b.binary('mul', gx, [1], gy, [1], [n]);
        const neg = b.unary('neg', gx);
        const red = b.reduce('sum', gy, 1, n);
        const idx = b.upload(Int32Array.from([3, 0, 36]), 'i32');
        const gathered = b.gather(gx, idx, 1, n, 1);
        return [await b.read(product), await b.read(neg), await b.read(red), await b.read(gathered)];
      };
      const [ga, ca] = [await run(g, false), await run(ref, true)];
      for (let i = 0; i < ga.length; i++) expect(maxRelError(ga[i] as Float32Array, ca[i] as Float32Array, 1), `result ${i}`).toBeLessThan(1e-6);
    });

    // [batch, m, n, k, operand forms, transposes]: ragged (scalar loads, clamps, K tail) and vec4 / fit shapes.
    type Forms = readonly (readonly ['f16' | 'f32', 'f16' | 'f32'])[];
    const both: Forms = [['f16', 'f16']];
    const mixed: Forms = [['f16', 'f16'], ['f16', 'f32'], ['f32', 'f16']];
    const allTrans = [[false, false], [true, false], [false, true], [true, true]];
    const shapes: [number, number, number, number, Forms, boolean[][]][] = [
      [1, 33, 40, 24, both, allTrans],
      [2, 16, 64, 32, mixed, [[false, false], [false, true]]],
      [1, 5, 7, 3, both, [[false, false], [true, true]]],
      [3, 24, 36, 19, both, [[false, true], [true, false]]],
    ];
    it.each(shapes)('matmul of f16 operands [%i x %i x %i, k %i] matches float64 of the halves', async (batch, m, n, k, forms, transposes) => {
      const aHalf = Uint16Array.from(randomF32(batch * m * k, 61), (v) => f32ToF16Bits(v));
      const bHalf = Uint16Array.from(randomF32(k * n, 62), (v) => f32ToF16Bits(v));
      const a = Float64Array.from(aHalf, f16BitsToF32);
      const b = Float64Array.from(bHalf, f16BitsToF32);
      for (const [transA, transB] of transposes) {
        for (const [formA, formB] of forms) {
          const upA = formA === 'f16' ? g.upload(aHalf, 'f16') : g.upload(Float32Array.from(a), 'f32');
          const upB = formB === 'f16' ? g.upload(bHalf, 'f16') : g.upload(Float32Array.from(b), 'f32');
          const p = { batch, m, n, k, transA, transB, aBatchStride: m * k, bBatchStride: 0 };
          const out = (await g.read(g.matmul(upA, upB, p))) as Float32Array;
          const expected = matmulEpilogue64(a, b, p);
          // Products of halves are exact in f32; only the f32 sums of <= 40 terms round.
          expect(maxRelError(out, expected, 1), `trans ${transA} ${transB}, ${formA} x ${formB}`).toBeLessThan(1e-5);
        }
      }
    });
  });
}
