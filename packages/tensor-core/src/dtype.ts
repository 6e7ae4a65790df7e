/** Element types: f16/bf16 are storage formats (compute is f32); i32 for indices; u8 for masks. */
export type DType = 'f32' | 'f16' | 'bf16' | 'i32' | 'u8';

/** Host-side array type that holds a dtype's raw storage. */
export type StorageArray = Float32Array | Uint16Array | Int32Array | Uint8Array;

/** All dtypes, for validation and iteration in tests. */
export const DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'i32', 'u8'];

/** Bytes per element of a dtype's storage. */
export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'f32':
    case 'i32':
      return 4;
    case 'f16':
    case 'bf16':
      return 2;
    case 'u8':
      return 1;
  }
}

/** True for the floating dtypes (f32, f16, bf16). */
export function isFloat(dtype: DType): boolean {
  return dtype === 'f32' || dtype === 'f16' || dtype === 'bf16';
}

/** A zero-filled host array of the right class for `dtype`. */
export function allocStorageArray(dtype: DType, size: number): StorageArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(size);
    case 'f16':
    case 'bf16':
      return new Uint16Array(size);
    case 'i32':
      return new Int32Array(size);
    case 'u8':
      return new Uint8Array(size);
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** Rounds an f32 to the nearest bf16 (ties to even); NaN stays NaN. */
export function f32ToBf16Bits(value: number): number {
  f32Scratch[0] = value;
  const bits = u32Scratch[0];
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0) return ((bits >>> 16) | 0x40) & 0xffff;
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** The f32 value of bf16 bits. */
export function bf16BitsToF32(bits: number): number {
  u32Scratch[0] = bits << 16;
  return f32Scratch[0];
}

/** Rounds an f32 to the nearest IEEE half (ties to even), with overflow to infinity and subnormals. */
export function f32ToF16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1))) m += 1;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m += 1;
    if (m === 0x400) {
      m = 0;
      e += 1;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/** The f32 value of IEEE half bits. */
export function f16BitsToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Converts f32 values into a dtype's host storage (rounding halves, truncating toward zero for ints). */
export function encodeFromF32(values: ArrayLike<number>, dtype: DType): StorageArray {
  const n = values.length;
  switch (dtype) {
    case 'f32':
      return Float32Array.from(values);
    case 'f16': {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = f32ToF16Bits(values[i]);
      return out;
    }
    case 'bf16': {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = f32ToBf16Bits(values[i]);
      return out;
    }
    case 'i32':
      return Int32Array.from(values, (v) => Math.trunc(v));
    case 'u8':
      return Uint8Array.from(values, (v) => (v ? Math.min(255, Math.max(0, Math.trunc(v))) : 0));
  }
}

/** Reads a dtype's host storage as f32 values (halves widened exactly). */
export function decodeToF32(storage: StorageArray, dtype: DType): Float32Array {
  if (dtype === 'f32') return storage as Float32Array;
  const n = storage.length;
  const out = new Float32Array(n);
  if (dtype === 'f16') for (let i = 0; i < n; i++) out[i] = f16BitsToF32(storage[i]);
  else if (dtype === 'bf16') for (let i = 0; i < n; i++) out[i] = bf16BitsToF32(storage[i]);
  else for (let i = 0; i < n; i++) out[i] = storage[i];
  return out;
}
