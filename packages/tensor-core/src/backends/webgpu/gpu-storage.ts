import type { Storage } from '../../device/backend.js';
import type { DType } from '../../dtype.js';

/**
 * GPU memory for one tensor. Every dtype is stored as 32-bit words (f32/f16/bf16 as f32 values
 * already rounded to their dtype, i32 as i32, u8 as u32), except f16 on devices with shader-f16:
 * there it is `packed`, two IEEE halves per word (element i in the low half of word i / 2 when i
 * is even), and only the kernels that know the form read it (see WebGpuBackend.words).
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
    /** f16 stored as packed halves rather than one f32 word per element. */
    readonly packed = false,
  ) {}
}
