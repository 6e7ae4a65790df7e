import type { DType } from '../dtype.js';

/** dtype names as written in safetensors headers. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each safetensors dtype. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** One tensor's header entry. */
export interface SafetensorsEntry {
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** [begin, end) relative to the start of the data section. */
  readonly dataOffsets: readonly [number, number];
}

/** The safetensors dtype that stores a tensor dtype. */
export function safetensorsDTypeOf(dtype: DType): SafetensorsDType {
  return ({ f32: 'F32', f16: 'F16', bf16: 'BF16', i32: 'I32', u8: 'U8' } as const)[dtype];
}

/** The tensor dtype a safetensors dtype loads as (F64 -> f32, I64/I16/I8 -> i32, BOOL -> u8). */
export function tensorDTypeOf(dtype: SafetensorsDType): DType {
  switch (dtype) {
    case 'F32':
    case 'F64':
      return 'f32';
    case 'F16':
      return 'f16';
    case 'BF16':
      return 'bf16';
    case 'U8':
    case 'BOOL':
      return 'u8';
    default:
      return 'i32';
  }
}

/** The largest header we accept (the format's own limit). */
export const MAX_HEADER_BYTES = 100_000_000;
