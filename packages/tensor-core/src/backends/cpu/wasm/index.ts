export { createWasmKernels, type WasmKernels, type WasmKernelOptions } from './wasm-kernels.js';
export type { MatmulParams } from './gemm/gemm-host.js';
export type { AttentionParams } from './attention/attention-host.js';
export type { AttentionGrads } from './attention/attention-backward-host.js';
export { WasmKernelError } from './wasm-kernel-error.js';
export type { NormParams, RowParams } from './rows/row-host.js';
export { UNARY_KERNEL_OPS, type UnaryKernelOp } from './math/simd-activations.js';
export type { ConvParams } from './conv/conv-host.js';
