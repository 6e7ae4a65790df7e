import type { AttentionKernelParams, Storage } from '../../device/backend.js';
import type { AttentionParams, WasmKernels } from './wasm/index.js';
import { CpuStorage } from './cpu-storage.js';

function data(s: Storage): Float32Array {
  return (s as CpuStorage).data as Float32Array;
}

function kernelParams(p: AttentionKernelParams): AttentionParams {
  return {
    batchHeads: p.batchHeads, seqQ: p.seqQ, seqK: p.seqK, headDim: p.headDim, scale: p.scale, causal: p.causal,
    mask: p.mask ? data(p.mask) : undefined, maskBatchStride: p.maskBatchStride, maskGroup: p.maskGroup,
  };
}

/** Fused attention forward through the WebAssembly kernels (output and per-row logsumexp). */
export function wasmAttention(k: WasmKernels, q: Storage, key: Storage, v: Storage, p: AttentionKernelParams): { out: Storage; lse: Storage } {
  const out = new Float32Array(p.batchHeads * p.seqQ * p.headDim);
  const lse = new Float32Array(p.batchHeads * p.seqQ);
  k.attention(data(q), data(key), data(v), out, { ...kernelParams(p), lse });
  return { out: new CpuStorage(out, 'f32'), lse: new CpuStorage(lse, 'f32') };
}

/** Fused attention gradients through the WebAssembly kernels. */
export function wasmAttentionBackward(
  k: WasmKernels, q: Storage, key: Storage, v: Storage, out: Storage, dOut: Storage, lse: Storage, p: AttentionKernelParams,
): { dq: Storage; dk: Storage; dv: Storage } {
  const dq = new Float32Array(p.batchHeads * p.seqQ * p.headDim);
  const dk = new Float32Array(p.batchHeads * p.seqK * p.headDim);
  const dv = new Float32Array(p.batchHeads * p.seqK * p.headDim);
  k.attentionBackward({ q: data(q), k: data(key), v: data(v), o: data(out), dO: data(dOut), lse: data(lse) }, { dq, dk, dv }, kernelParams(p));
  return { dq: new CpuStorage(dq, 'f32'), dk: new CpuStorage(dk, 'f32'), dv: new CpuStorage(dv, 'f32') };
}
