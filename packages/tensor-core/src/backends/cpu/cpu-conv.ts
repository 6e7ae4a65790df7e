import type { Conv2dKernelParams, Storage } from '../../device/backend.js';
import { CpuStorage } from './cpu-storage.js';
import type { WasmKernels } from './wasm/index.js';

/** Allocates an output array whose every element the kernel overwrites (the backend's recycling pool). */
export type F32Alloc = (length: number) => Float32Array;

const fresh: F32Alloc = (n) => new Float32Array(n);

function data(s: Storage): Float32Array {
  return (s as CpuStorage).data as Float32Array;
}

/** conv2d forward through the WebAssembly kernels (im2col on the threads + SIMD GEMM). */
export function wasmConv2d(k: WasmKernels, x: Storage, w: Storage, bias: Storage | null, p: Conv2dKernelParams, alloc = fresh): Storage {
  const out = alloc(p.batch * p.outChannels * p.oh * p.ow);
  k.conv2d(data(x), data(w), bias ? data(bias) : null, out, { ...p });
  return new CpuStorage(out, 'f32');
}

/** conv2d input gradient through the WebAssembly kernels (GEMM + col2im on the threads). */
export function wasmConv2dInputGrad(k: WasmKernels, dy: Storage, w: Storage, p: Conv2dKernelParams, alloc = fresh): Storage {
  const dx = alloc(p.batch * p.inChannels * p.height * p.width);
  k.conv2dInputGrad(data(dy), data(w), dx, { ...p });
  return new CpuStorage(dx, 'f32');
}

/** conv2d weight gradient through the WebAssembly kernels (im2col + GEMM, summed over the batch). */
export function wasmConv2dWeightGrad(k: WasmKernels, x: Storage, dy: Storage, p: Conv2dKernelParams, alloc = fresh): Storage {
  const dw = alloc((p.outChannels * p.inChannels * p.kh * p.kw) / p.groups);
  k.conv2dWeightGrad(data(x), data(dy), dw, { ...p });
  return new CpuStorage(dw, 'f32');
}
