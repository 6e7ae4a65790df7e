import { decodeToF32, f32ToBf16Bits, f32ToF16Bits, type DType, type StorageArray } from '../../dtype.js';

/** Host storage -> the 32-bit words the GPU keeps (halves widened exactly to f32, u8 widened to u32). */
export function toGpuWords(data: StorageArray, dtype: DType): Float32Array | Int32Array | Uint32Array {
  switch (dtype) {
    case 'f32':
      return data as Float32Array;
    case 'f16':
    case 'bf16':
      return decodeToF32(data, dtype);
    case 'i32':
      return data as Int32Array;
    case 'u8':
      return Uint32Array.from(data as Uint8Array);
  }
}

/** GPU words -> host storage; half values are exact on the GPU already, so narrowing is lossless. */
export function fromGpuWords(words: ArrayBuffer, size: number, dtype: DType): StorageArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(words, 0, size).slice();
    case 'f16':
    case 'bf16': {
      const values = new Float32Array(words, 0, size);
      const out = new Uint16Array(size);
      const round = dtype === 'f16' ? f32ToF16Bits : f32ToBf16Bits;
      for (let i = 0; i < size; i++) out[i] = round(values[i]);
      return out;
    }
    case 'i32':
      return new Int32Array(words, 0, size).slice();
    case 'u8':
      return Uint8Array.from(new Uint32Array(words, 0, size));
  }
}

/** The single GPU word that `fill` writes for `value` in `dtype` (rounded / truncated like the CPU). */
export function fillWord(value: number, dtype: DType): number {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const i = new Int32Array(f.buffer);
  switch (dtype) {
    case 'f32':
      f[0] = value;
      break;
    case 'f16':
      f[0] = value;
      f[0] = decodeToF32(Uint16Array.of(f32ToF16Bits(f[0])), 'f16')[0];
      break;
    case 'bf16':
      f[0] = value;
      f[0] = decodeToF32(Uint16Array.of(f32ToBf16Bits(f[0])), 'bf16')[0];
      break;
    case 'i32':
      i[0] = Math.trunc(value);
      break;
    case 'u8':
      u[0] = value ? Math.min(255, Math.max(0, Math.trunc(value))) : 0;
      break;
  }
  return u[0];
}

/** f16 bits -> the bytes of a packed-half buffer: two halves per word, padded to a whole word. */
export function toPackedHalves(bits: Uint16Array): Uint16Array {
  if (bits.length % 2 === 0) return bits;
  const padded = new Uint16Array(bits.length + 1);
  padded.set(bits);
  return padded;
}

/** A packed-half buffer read back -> `size` f16 bit patterns. */
export function fromPackedHalves(words: ArrayBuffer, size: number): Uint16Array {
  return new Uint16Array(words, 0, size).slice();
}

/** The word that fills a packed-half buffer with `value` (rounded like `fillWord` for f16) in both halves. */
export function fillHalfPairWord(value: number): number {
  const h = f32ToF16Bits(Math.fround(value));
  return (h | (h << 16)) >>> 0;
}

/** Bytes of a packed-half buffer for `size` elements (whole words, at least one). */
export function packedHalfBytes(size: number): number {
  return Math.max(1, Math.ceil(size / 2)) * 4;
}
