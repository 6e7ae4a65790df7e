import type { AttentionKernelParams, Storage } from '../../device/backend.js';
import type { DType } from '../../dtype.js';
import { TensorError } from '../../errors.js';
import { dispatchGrid } from './dispatch-grid.js';
import { WebGpuStorage } from './gpu-storage.js';
import { attentionGradKVKernel, attentionGradQKernel } from './kernels/attention-backward.wgsl.js';
import { ATTENTION_WG, attentionForwardKernel } from './kernels/attention-forward.wgsl.js';
import type { KernelSource } from './pipeline-cache.js';

/** What the fused attention needs from the WebGPU backend (its private allocation and dispatch). */
export interface AttentionHost {
  /** A new storage filled with `value`. */
  fill(size: number, dtype: DType, value: number): Storage;
  /** A new, uninitialised f32 storage. */
  alloc(size: number): WebGpuStorage;
  /** Releases a storage (reused only after the commands recorded so far are submitted). */
  free(s: Storage): void;
  /** Records one dispatch: uniform words, storage buffers (binding 1..n), workgroup counts. */
  dispatch(kernel: KernelSource, params: ArrayLike<number>, buffers: GPUBuffer[], groups: [number, number, number]): void;
  /** Records a copy of `bytes` from the start of `src` to the start of `dst`. */
  copyBuffer(src: GPUBuffer, dst: GPUBuffer, bytes: number): void;
  /** maxComputeWorkgroupsPerDimension. */
  readonly maxPerDim: number;
}

/**
 * Head dims up to this are supported: an invocation holds a few head rows in registers, and the
 * shader compile time of software adapters grows quickly with them.
 */
export const MAX_ATTENTION_HEAD_DIM = 256;

/** Floats of head rows an invocation keeps in registers (see rowsPerInvocation). */
const REGISTER_BUDGET = 512;

/**
 * Rows (or keys) per invocation holding `live` head rows each, within REGISTER_BUDGET floats of
 * registers, at most 4. Each loaded K / V row serves every row of the invocation: on lavapipe
 * (d = 64 forward, CPU time) 2 rows ran 1.9x and 4 rows 2.6x faster than 1. Registers also set
 * the compile time there: ~10 s for 256 floats, ~30 s for 512 (first use only: Mesa's disk
 * cache keeps compiled shaders).
 */
function rowsPerInvocation(d: number, live: number): number {
  return Math.max(1, Math.min(4, Math.floor(REGISTER_BUDGET / (live * d))));
}

function gpuStorage(s: Storage, what: string): WebGpuStorage {
  if (!(s instanceof WebGpuStorage)) throw new TensorError(`webgpu ${what}: storage does not belong to the webgpu backend`);
  if (s.freed) throw new TensorError(`webgpu ${what}: storage of ${s.size} ${s.dtype} elements was used after being freed (disposed tensor?)`);
  if (s.dtype !== 'f32') throw new TensorError(`webgpu ${what}: expected an f32 storage, got ${s.dtype}`);
  return s;
}

/** Checks operand sizes and the head dim; returns the mask storage (or null). */
function checkOperands(op: string, p: AttentionKernelParams, operands: [string, Storage, number][]): WebGpuStorage | null {
  const { batchHeads: bh, seqQ: sq, seqK: sk, headDim: d } = p;
  const what = `${op} (batchHeads=${bh} seqQ=${sq} seqK=${sk} headDim=${d})`;
  for (const [name, val] of Object.entries({ batchHeads: bh, seqQ: sq, seqK: sk, headDim: d })) {
    if (!Number.isInteger(val) || val < 0) throw new TensorError(`webgpu ${what}: ${name}=${val}, expected a non-negative integer`);
  }
  if (d > MAX_ATTENTION_HEAD_DIM) throw new TensorError(`webgpu ${what}: headDim=${d} is not supported, expected at most ${MAX_ATTENTION_HEAD_DIM}`);
  if (!Number.isFinite(p.scale)) throw new TensorError(`webgpu ${what}: scale=${p.scale}, expected a finite number`);
  if (!Number.isInteger(p.maskGroup) || p.maskGroup < 1) throw new TensorError(`webgpu ${what}: maskGroup=${p.maskGroup}, expected a positive integer`);
  for (const [name, s, need] of operands) {
    if (gpuStorage(s, what).size < need) throw new TensorError(`webgpu ${what}: ${name} has ${s.size} elements, needs ${need}`);
  }
  if (!p.mask) return null;
  const need = (Math.ceil(bh / p.maskGroup) - 1) * p.maskBatchStride + sq * sk;
  const mask = gpuStorage(p.mask, what);
  if (mask.size < need) throw new TensorError(`webgpu ${what}: mask has ${mask.size} elements, needs ${need} (maskBatchStride=${p.maskBatchStride}, maskGroup=${p.maskGroup})`);
  return mask;
}

/** The uniform words shared by the attention kernels. */
function attentionParams(p: AttentionKernelParams, blocks: number): number[] {
  const scale = new Uint32Array(new Float32Array([p.scale]).buffer)[0];
  return [p.batchHeads, p.seqQ, p.seqK, scale, p.causal ? 1 : 0, blocks, p.mask ? p.maskBatchStride : 0, p.mask ? p.maskGroup : 1];
}

/** Backend.flashAttention on WebGPU: out [bh, seqQ, d] and lse [bh, seqQ] in one dispatch. */
export function webGpuFlashAttention(host: AttentionHost, q: Storage, k: Storage, v: Storage, p: AttentionKernelParams): { out: Storage; lse: Storage } {
  const { batchHeads: bh, seqQ: sq, seqK: sk, headDim: d } = p;
  const mask = checkOperands('flashAttention', p, [
    ['q', q, bh * sq * d],
    ['k', k, bh * sk * d],
    ['v', v, bh * sk * d],
  ]);
  if (sk === 0 && bh * sq > 0) {
    // Softmax over no keys is undefined; like the CPU backend (and PyTorch), NaN.
    return { out: host.fill(bh * sq * d, 'f32', Number.NaN), lse: host.fill(bh * sq, 'f32', Number.NaN) };
  }
  const out = host.alloc(bh * sq * d);
  const lse = host.alloc(bh * sq);
  if (bh * sq === 0 || d === 0) return { out, lse };
  const rows = rowsPerInvocation(d, 2);
  const blocks = Math.ceil(sq / (ATTENTION_WG * rows));
  const buffers = [q, k, v, out, lse].map((s) => (s as WebGpuStorage).buffer);
  if (mask) buffers.push(mask.buffer);
  host.dispatch(attentionForwardKernel(d, mask !== null, rows), attentionParams(p, blocks), buffers, dispatchGrid(bh * blocks, host.maxPerDim));
  return { out, lse };
}

/**
 * Backend.flashAttentionBackward on WebGPU, in two dispatches: dQ (which also writes
 * D = rowsum(dO * out)), then dK / dV; probabilities are recomputed from `lse`.
 */
export function webGpuFlashAttentionBackward(
  host: AttentionHost,
  q: Storage,
  k: Storage,
  v: Storage,
  out: Storage,
  dOut: Storage,
  lse: Storage,
  p: AttentionKernelParams,
): { dq: Storage; dk: Storage; dv: Storage } {
  const { batchHeads: bh, seqQ: sq, seqK: sk, headDim: d } = p;
  const mask = checkOperands('flashAttentionBackward', p, [
    ['q', q, bh * sq * d],
    ['k', k, bh * sk * d],
    ['v', v, bh * sk * d],
    ['out', out, bh * sq * d],
    ['dOut', dOut, bh * sq * d],
    ['lse', lse, bh * sq],
  ]);
  if (bh * sq === 0 || bh * sk === 0 || d === 0) {
    return { dq: host.fill(bh * sq * d, 'f32', 0), dk: host.fill(bh * sk * d, 'f32', 0), dv: host.fill(bh * sk * d, 'f32', 0) };
  }
  const buf = (s: Storage) => (s as WebGpuStorage).buffer;
  // [lse | D]: one binding for both keeps each kernel within eight storage buffers.
  const stats = host.alloc(2 * bh * sq);
  host.copyBuffer(buf(lse), stats.buffer, bh * sq * 4);
  const dq = host.alloc(bh * sq * d);
  const dk = host.alloc(bh * sk * d);
  const dv = host.alloc(bh * sk * d);
  const masked = mask !== null;

  const qRows = rowsPerInvocation(d, 3);
  const qBlocks = Math.ceil(sq / (ATTENTION_WG * qRows));
  const qBuffers = [buf(q), buf(k), buf(v), buf(out), buf(dOut), stats.buffer, dq.buffer];
  if (mask) qBuffers.push(mask.buffer);
  host.dispatch(attentionGradQKernel(d, masked, qRows), attentionParams(p, qBlocks), qBuffers, dispatchGrid(bh * qBlocks, host.maxPerDim));

  const kRows = rowsPerInvocation(d, 4);
  const kBlocks = Math.ceil(sk / (ATTENTION_WG * kRows));
  const kvBuffers = [buf(q), buf(k), buf(v), buf(dOut), stats.buffer, dk.buffer, dv.buffer];
  if (mask) kvBuffers.push(mask.buffer);
  host.dispatch(attentionGradKVKernel(d, masked, kRows), attentionParams(p, kBlocks), kvBuffers, dispatchGrid(bh * kBlocks, host.maxPerDim));
  host.free(stats);
  return { dq, dk, dv };
}
