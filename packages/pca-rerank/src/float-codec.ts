import { decodeToF32, encodeFromF32 } from '@loraflow/tensor-core';
import { RerankError } from './rerank-error.js';

/** Header dtype names of the float formats LoRA factors are stored in. */
export type FloatDType = 'F32' | 'F16' | 'BF16' | 'F64';

const FLOAT_DTYPES: readonly string[] = ['F32', 'F16', 'BF16', 'F64'];

/** True for a header dtype we can decode to and encode from float32. */
export function isFloatDType(dtype: string): dtype is FloatDType {
  return FLOAT_DTYPES.includes(dtype);
}

/** Decodes raw little-endian bytes of a float dtype into float32 (halves widen exactly). */
export function decodeFloats(bytes: Uint8Array, dtype: string, what: string): Float32Array {
  // Positional reads may hand back an unaligned view; typed arrays need aligned offsets.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes); // a copy: Buffer.slice() would not move it
  const { buffer, byteOffset, byteLength } = aligned;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer.slice(byteOffset, byteOffset + byteLength));
    case 'F64':
      return Float32Array.from(new Float64Array(buffer, byteOffset, byteLength / 8));
    case 'F16':
      return decodeToF32(new Uint16Array(buffer, byteOffset, byteLength / 2), 'f16');
    case 'BF16':
      return decodeToF32(new Uint16Array(buffer, byteOffset, byteLength / 2), 'bf16');
    default:
      throw new RerankError(`${what}: dtype ${dtype}, expected one of ${FLOAT_DTYPES.join(', ')}`);
  }
}

/** Encodes float32 values as raw little-endian bytes of a float dtype (round to nearest even). */
export function encodeFloats(values: Float32Array, dtype: FloatDType): Uint8Array {
  if (dtype === 'F64') return new Uint8Array(Float64Array.from(values).buffer);
  const storage = dtype === 'F32' ? values : encodeFromF32(values, dtype === 'F16' ? 'f16' : 'bf16');
  return new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength);
}
