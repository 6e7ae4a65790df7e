export { createWasmKernels, type WasmKernels, type WasmKernelOptions } from './wasm-kernels.js';
export type { MatmulParams } from './gemm/gemm-host.js';
export type { AttentionParams } from './attention/attention-host.js';
export { WasmKernelError } from './wasm-kernel-error.js';
