import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { DEVICES } from './backends.js';

/** f16 bits by exact rational rounding (independent of the library's bit tricks). */
function f16Reference(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  const e = a < 2 ** -14 ? -14 : Math.floor(Math.log2(a));
  const ulp = 2 ** (e - 10);
  const q = a / ulp;
  let r = Math.round(q);
  if (Math.abs(q - Math.trunc(q) - 0.5) < 1e-12) r = Math.trunc(q) % 2 === 0 ? Math.trunc(q) : Math.trunc(q) + 1;
  return Math.sign(x) * r * ulp;
}

for (const device of DEVICES) {
  describe(`dtypes and casts on ${device.kind}`, () => {
    it('f16 storage rounds to nearest even, including subnormals and overflow', async () => {
      const values = [1, -2.5, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65519, 65520, 1e-7, 3e-5, -6.1e-5, 0.1, 1234.567];
      const t = tc.tensor(values, undefined, { dtype: 'f16', device });
      const back = await t.data();
      values.forEach((v, i) => expect(back[i], `value ${v}`).toBe(f16Reference(Math.fround(v))));
    });
    it('bf16 keeps 8 mantissa bits with round-to-nearest-even', async () => {
      const values = [1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.14159, -1e30, 1e-30];
      const back = await tc.tensor(values, undefined, { dtype: 'bf16', device }).data();
      values.forEach((v, i) => {
        const e = Math.floor(Math.log2(Math.abs(v)));
        const ulp = 2 ** (e - 7);
        expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(ulp / 2);
      });
      expect(back[0]).toBe(1);
      expect(back[1]).toBe(1 + 4 * 2 ** -8);
    });
    it('ops on bf16 tensors compute in f32 and return bf16', async () => {
      const a = tc.tensor([1.5, 2.25], undefined, { dtype: 'bf16', device });
      const y = a.mul(a);
      expect(y.dtype).toBe('bf16');
      expect(Array.from(await y.data())).toEqual([2.25, 5.0625]);
    });
    it('cast converts between floats, ints and masks', async () => {
      const x = tc.tensor([-1.7, 0.2, 2.9, 300], undefined, { device });
      expect(Array.from(await x.cast('i32').data())).toEqual([-1, 0, 2, 300]);
      expect(Array.from(await x.cast('u8').data())).toEqual([0, 0, 2, 255]);
      expect(Array.from(await x.cast('i32').cast('f32').data())).toEqual([-1, 0, 2, 300]);
    });
    it('gradients flow through float casts', async () => {
      const x = tc.tensor([0.5, -1], undefined, { device, requiresGrad: true });
      x.cast('bf16').mul(3).sum().backward();
      expect(Array.from(await x.grad!.data())).toEqual([3, 3]);
    });
  });

  describe(`random numbers on ${device.kind}`, () => {
    it('the same seed gives the same numbers on every device and the moments are right', async () => {
      const a = Array.from(await tc.randn([20000], { seed: 42, device }).data());
      const b = Array.from(await tc.randn([20000], { seed: 42, device: tc.cpu }).data());
      expect(a).toEqual(b);
      const mean = a.reduce((s, v) => s + v, 0) / a.length;
      const vr = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
      expect(Math.abs(mean)).toBeLessThan(0.03);
      expect(Math.abs(vr - 1)).toBeLessThan(0.04);
      const u = Array.from(await tc.rand([20000], { seed: 7, device, low: -2, high: 2 }).data());
      expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
      expect(Math.max(...u)).toBeLessThan(2);
      expect(Math.abs(u.reduce((s, v) => s + v, 0) / u.length)).toBeLessThan(0.05);
    });
    it('a generator continues its stream and can resume from an offset', async () => {
      const g = new tc.Generator(3);
      const first = g.normal(6);
      const offset = g.getOffset();
      const second = g.normal(6);
      const h = new tc.Generator(3);
      h.setOffset(offset);
      expect(Array.from(h.normal(6))).toEqual(Array.from(second));
      expect(Array.from(first)).not.toEqual(Array.from(second));
    });
    it('creation helpers fill shapes as asked', async () => {
      expect(Array.from(await tc.arange(5, undefined, 1, { device }).data())).toEqual([0, 1, 2, 3, 4]);
      expect(tc.arange(5).dtype).toBe('i32');
      expect(Array.from(await tc.arange(0, 1, 0.25, { device }).data())).toEqual([0, 0.25, 0.5, 0.75]);
      expect(Array.from(await tc.full([2, 2], 1.5, { device }).data())).toEqual([1.5, 1.5, 1.5, 1.5]);
      expect(await tc.tensor([[1, 2], [3, 4]], undefined, { device }).toArray()).toEqual([[1, 2], [3, 4]]);
    });
  });
}

describe('Philox4x32-10', () => {
  it('matches the Random123 known-answer vectors', () => {
    // Known-answer tests from the Random123 distribution (kat_vectors): philox4x32_10.
    const out = new Uint32Array(4);
    const g = new tc.Generator(0);
    const words = g.nextUint32(4);
    out.set(words);
    expect(Array.from(out).map((v) => v.toString(16).padStart(8, '0'))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
  });
});
