import type { Storage } from '../../device/backend.js';
import type { DType } from '../../dtype.js';

/**
 * GPU memory for one tensor: every dtype is stored as 32-bit words (f32/f16/bf16 as f32 values
 * already rounded to their dtype, i32 as i32, u8 as u32), so kernels never deal with sub-word
 * packing and copies are dtype-agnostic.
 */
export class WebGpuStorage implements Storage {
  /** Set by free(); a freed storage must never reach a kernel again. */
  freed = false;

  constructor(
    readonly buffer: GPUBuffer,
    readonly size: number,
    readonly dtype: DType,
    /** Host copy of uploaded i32 data, so gather can range-check indices without a read-back. */
    readonly hostIndex: Int32Array | null = null,
  ) {}
}
