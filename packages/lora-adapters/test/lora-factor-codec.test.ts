import { describe, expect, it } from 'vitest';
import { Generator, bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '@loraflow/tensor-core';
import { castRaw, f32ToRaw, rawToF32, scaleRaw } from '../src/index.js';

/** Random f32 bit patterns (every exponent, both signs) plus ties, infinities, NaN, zeros and subnormals. */
function awkwardValues(n: number): Float32Array {
  const g = new Generator(77);
  const out = new Float32Array(new Uint32Array(g.nextUint32(n)).buffer);
  const special = [0, -0, Infinity, -Infinity, NaN, 1e-40, -3e-39, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 65504, 3.4e38];
  out.set(special);
  const u = new Uint32Array(out.buffer);
  for (let i = special.length; i < special.length + 50; i++) u[i] = (u[i] & 0xffff0000) | 0x8000; // exact ties
  return out;
}

describe('factor codec', () => {
  it('bf16 encode/decode agree with tensor-core bit for bit (round to nearest even, NaN stays NaN)', () => {
    const v = awkwardValues(4000);
    const raw = f32ToRaw(v, [v.length], 'BF16');
    const bits = new Uint16Array(raw.bytes.buffer, raw.bytes.byteOffset, v.length);
    for (let i = 0; i < v.length; i++) {
      if (Number.isNaN(v[i])) expect(Number.isNaN(bf16BitsToF32(bits[i]))).toBe(true);
      else expect(bits[i]).toBe(f32ToBf16Bits(v[i]));
    }
    const back = rawToF32(raw);
    for (let i = 0; i < v.length; i++) {
      if (Number.isNaN(v[i])) expect(Number.isNaN(back[i])).toBe(true);
      else expect(back[i]).toBe(bf16BitsToF32(bits[i]));
    }
  });

  it('f16 and f64 round-trip through the codec as tensor-core encodes them', () => {
    const v = Float32Array.from(awkwardValues(500).filter((x) => Number.isFinite(x)));
    const h = f32ToRaw(v, [v.length], 'F16');
    const bits = new Uint16Array(h.bytes.buffer, h.bytes.byteOffset, v.length);
    for (let i = 0; i < v.length; i++) expect(bits[i]).toBe(f32ToF16Bits(v[i]));
    expect(Array.from(rawToF32(h))).toEqual(Array.from(bits, f16BitsToF32));
    expect(Array.from(rawToF32(castRaw(f32ToRaw(v, [v.length], 'F32'), 'F64')))).toEqual(Array.from(v));
  });

  it('reads factors at odd byte offsets (Node file reads land anywhere in a pool buffer)', () => {
    const v = Float32Array.from([1.5, -2.25, 3.125]);
    const shifted = new Uint8Array(13);
    shifted.set(new Uint8Array(v.buffer), 1);
    expect(Array.from(rawToF32({ dtype: 'F32', shape: [3], bytes: shifted.subarray(1) }))).toEqual([1.5, -2.25, 3.125]);
  });

  it('scaleRaw by 1 returns the same bytes and otherwise rounds once', () => {
    const raw = f32ToRaw(Float32Array.from([0.1, -0.7, 3]), [3], 'BF16');
    expect(scaleRaw(raw, 1)).toBe(raw);
    const x = rawToF32(raw);
    expect(Array.from(rawToF32(scaleRaw(raw, 0.3)))).toEqual(Array.from(x, (a) => bf16BitsToF32(f32ToBf16Bits(Math.fround(a * 0.3)))));
  });
});
