/**
 * WebGPU usage / map-mode bits as plain numbers (values fixed by the WebGPU spec): the
 * GPUBufferUsage globals do not exist in Node until `webgpu`'s globals are installed, and this
 * module is imported on CPU-only machines too.
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** GPUMapMode.READ. */
export const MAP_MODE_READ = 0x0001;
