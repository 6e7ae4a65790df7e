import {
  Tensor,
  f16BitsToF32,
  f32ToF16Bits,
  safetensorsDTypeOf,
  tensorFromStorage,
  tensorToRaw,
  type RawTensor,
  type SafetensorsDType,
} from '@loraflow/tensor-core';
import { LoraFormatError } from '../lora-error.js';
import type { LoraFactor } from '../lora-layer.js';

/** The float dtypes a LoRA factor may be stored in. */
export type LoraFloatDType = 'F32' | 'F16' | 'BF16' | 'F64';

/** Whether a safetensors dtype is one LoRA factors can use. */
export function isLoraFloatDType(dtype: string): dtype is LoraFloatDType {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'F64';
}

/**
 * A buffer and offset where a typed view of `align`-byte elements can start. Node's file reads land at
 * any offset of a shared pool; unaligned bytes are copied with Uint8Array's slice, because a Node
 * Buffer's own slice() is a view, not a copy.
 */
function alignedView(bytes: Uint8Array, align: number): [ArrayBuffer, number] {
  if (bytes.byteOffset % align === 0) return [bytes.buffer as ArrayBuffer, bytes.byteOffset];
  return [Uint8Array.prototype.slice.call(bytes).buffer as ArrayBuffer, 0];
}

/** Decodes a stored factor to f32 values (halves widened exactly, F64 rounded). */
export function rawToF32(raw: RawTensor, where = 'tensor'): Float32Array {
  const n = raw.shape.reduce((a, b) => a * b, 1);
  switch (raw.dtype) {
    case 'F32':
      return new Float32Array(...alignedView(raw.bytes, 4), n);
    case 'F64':
      return Float32Array.from(new Float64Array(...alignedView(raw.bytes, 8), n));
    case 'BF16': {
      // bf16 is the top half of an f32: widen by shifting into a u32 view (no per-element call).
      const bits = new Uint16Array(...alignedView(raw.bytes, 2), n);
      const out = new Float32Array(n);
      const wide = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) wide[i] = bits[i] << 16;
      return out;
    }
    case 'F16': {
      const bits = new Uint16Array(...alignedView(raw.bytes, 2), n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = f16BitsToF32(bits[i]);
      return out;
    }
    default:
      throw new LoraFormatError(`${where} has dtype ${raw.dtype}, expected F32, F16, BF16 or F64`);
  }
}

/** Encodes f32 values in a float dtype (round to nearest even for halves). */
export function f32ToRaw(values: Float32Array, shape: readonly number[], dtype: SafetensorsDType): RawTensor {
  const n = values.length;
  let bytes: Uint8Array;
  switch (dtype) {
    case 'F32':
      bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      break;
    case 'F64':
      bytes = new Uint8Array(Float64Array.from(values).buffer);
      break;
    case 'BF16': {
      // Round to nearest even on the u32 pattern; NaNs keep a quiet-NaN payload.
      const wide = new Uint32Array(values.buffer, values.byteOffset, n);
      const bits = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        const u = wide[i];
        bits[i] = (u & 0x7fffffff) > 0x7f800000 ? (u >>> 16) | 0x40 : (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
      }
      bytes = new Uint8Array(bits.buffer);
      break;
    }
    case 'F16': {
      const bits = new Uint16Array(n);
      for (let i = 0; i < n; i++) bits[i] = f32ToF16Bits(values[i]);
      bytes = new Uint8Array(bits.buffer);
      break;
    }
    default:
      throw new LoraFormatError(`cannot store a LoRA factor as ${dtype}; expected F32, F16, BF16 or F64`);
  }
  return { dtype, shape: [...shape], bytes };
}

/** Multiplies a stored factor by `factor`, keeping its dtype; factor 1 returns it untouched (bit-exact). */
export function scaleRaw(raw: RawTensor, factor: number, where = 'tensor'): RawTensor {
  if (factor === 1) return raw;
  const v = rawToF32(raw, where);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * factor;
  return f32ToRaw(out, raw.shape, raw.dtype);
}

/** Re-encodes a stored factor in another float dtype (no-op when it already has it). */
export function castRaw(raw: RawTensor, dtype: SafetensorsDType, where = 'tensor'): RawTensor {
  return raw.dtype === dtype ? raw : f32ToRaw(rawToF32(raw, where), raw.shape, dtype);
}

/** A factor as raw bytes (tensors are read back from their device). */
export async function factorToRaw(f: LoraFactor): Promise<RawTensor> {
  return f instanceof Tensor ? tensorToRaw(f) : f;
}

/** A stored factor as an f32 tensor (for math on the device). */
export function rawToTensor(raw: RawTensor, where = 'tensor'): Tensor {
  return tensorFromStorage(Float32Array.from(rawToF32(raw, where)), raw.shape, 'f32');
}

/** The safetensors dtype a tensor would be stored with. */
export function factorDType(f: LoraFactor): SafetensorsDType {
  return f instanceof Tensor ? safetensorsDTypeOf(f.dtype) : f.dtype;
}
