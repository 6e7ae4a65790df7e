import type { AttentionKernelParams, MatmulEpilogue, MatmulParams, Storage } from '../../device/backend.js';
import type { DType } from '../../dtype.js';
import { TensorError } from '../../errors.js';
import { dispatchGrid } from './dispatch-grid.js';
import { WebGpuStorage } from './gpu-storage.js';
import { attentionGradKVKernel, attentionGradQKernel } from './kernels/attention-backward.wgsl.js';
import { attentionBlockProbsKernel, attentionRowBlockCopyKernel, attentionRowDotKernel } from './kernels/attention-blocked.wgsl.js';
import { ATTENTION_WG, attentionForwardKernel } from './kernels/attention-forward.wgsl.js';
import { WORKGROUP_SIZE } from './kernels/wgsl-prelude.js';
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
  /** The backend's matmulFused (the blocked backward's products). */
  matmul(a: Storage, b: Storage, p: MatmulParams, epilogue: MatmulEpilogue): Storage;
  /** maxComputeWorkgroupsPerDimension. */
  readonly maxPerDim: number;
}

/**
 * Sizes of the blocked backward (webgpu-attention.ts): the score block of `scoreBlockFloats`
 * floats bounds its temporary memory (two such blocks live at once). Tests shrink it to cover
 * the row blocking.
 */
export const attentionBackwardBlocking = { scoreBlockFloats: 1 << 22 };

/**
 * Head dims up to this are supported: an invocation holds a few head rows in registers, and the
 * shader compile time of software adapters grows quickly with them.
 */
export const MAX_ATTENTION_HEAD_DIM = 256;

/**
 * Head dims from which the backward runs as matmuls (blockedBackward). On lavapipe (4 heads,
 * seq 1024) the fused backward ran 0.61x the unfused composite at d = 128 (one key per
 * invocation) and the blocked one beat the fused one at d = 64 too (fwd + bwd 704 against
 * 1499 ms wall); at d = 32 (four rows per invocation) the fused one was ~10% faster.
 */
const BLOCKED_BACKWARD_MIN_HEAD_DIM = 64;

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

const buf = (s: Storage) => (s as WebGpuStorage).buffer;

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
 * Backend.flashAttentionBackward on WebGPU; probabilities are recomputed from `lse`. Head dims
 * below BLOCKED_BACKWARD_MIN_HEAD_DIM take two fused dispatches: dQ (which also writes
 * D = rowsum(dO * out)), then dK / dV; larger ones take blockedBackward.
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
  // [lse | D]: one binding for both keeps each kernel within eight storage buffers.
  const stats = host.alloc(2 * bh * sq);
  host.copyBuffer(buf(lse), stats.buffer, bh * sq * 4);
  if (d >= BLOCKED_BACKWARD_MIN_HEAD_DIM) return blockedBackward(host, q, k, v, out, dOut, stats, mask, p);
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

/**
 * The attention backward as matmuls over blocks of query rows (all heads at once), for large head
 * dims: S = q k^T and dP = dO v^T for the block, one elementwise pass turns them into
 * P = exp(scale S + mask - lse) and dS = scale P (dP - D), then dV += P^T dO, dK += dS^T q and
 * dq = dS k. The matmul kernel keeps its operands in registers across a whole output tile, so it
 * runs these products several times faster than the one-row fused kernels; the score block is
 * bounded by attentionBackwardBlocking. `stats` holds lse (D is written here) and is freed.
 */
function blockedBackward(
  host: AttentionHost,
  q: Storage,
  k: Storage,
  v: Storage,
  out: Storage,
  dOut: Storage,
  stats: WebGpuStorage,
  mask: WebGpuStorage | null,
  p: AttentionKernelParams,
): { dq: Storage; dk: Storage; dv: Storage } {
  const { batchHeads: bh, seqQ: sq, seqK: sk, headDim: d } = p;
  const grid = (n: number) => dispatchGrid(Math.ceil(n / WORKGROUP_SIZE), host.maxPerDim);
  host.dispatch(attentionRowDotKernel(), [bh * sq, d], [buf(out), buf(dOut), stats.buffer], grid(bh * sq));
  const blockRows = Math.max(1, Math.min(sq, Math.floor(attentionBackwardBlocking.scoreBlockFloats / (bh * sk))));
  const whole = blockRows === sq;
  const dq = whole ? null : host.alloc(bh * sq * d);
  let dk: Storage | null = null;
  let dv: Storage | null = null;
  let dqWhole: Storage | null = null;
  const scale = new Uint32Array(new Float32Array([p.scale]).buffer)[0];
  for (let r0 = 0; r0 < sq; r0 += blockRows) {
    const R = Math.min(blockRows, sq - r0);
    const block = (src: Storage) => {
      if (whole) return src;
      const b = host.alloc(bh * R * d);
      host.dispatch(attentionRowBlockCopyKernel(), [bh, sq, R, d, r0, 1], [buf(src), b.buffer], grid(bh * R * d));
      return b;
    };
    const qb = block(q);
    const gb = block(dOut);
    // [R, d] x [sk, d]^T per head.
    const scores = { batch: bh, m: R, n: sk, k: d, transA: false, transB: true, aBatchStride: R * d, bBatchStride: sk * d };
    const s = host.matmul(qb, k, scores, {});
    const dp = host.matmul(gb, v, scores, {});
    const probsBuffers = [buf(s), buf(dp), stats.buffer];
    if (mask) probsBuffers.push(mask.buffer);
    const probsParams = [bh, sq, sk, scale, p.causal ? 1 : 0, R, r0, mask ? p.maskBatchStride : 0, mask ? p.maskGroup : 1];
    host.dispatch(attentionBlockProbsKernel(mask !== null), probsParams, probsBuffers, grid(bh * R * sk));
    // [R, sk]^T x [R, d] per head, accumulated over the blocks.
    const keys = { batch: bh, m: sk, n: d, k: R, transA: true, transB: false, aBatchStride: R * sk, bBatchStride: R * d };
    dv = host.matmul(s, gb, keys, { into: dv });
    dk = host.matmul(dp, qb, keys, { into: dk });
    const dqb = host.matmul(dp, k, { batch: bh, m: R, n: d, k: sk, transA: false, transB: false, aBatchStride: R * sk, bBatchStride: sk * d }, {});
    if (whole) dqWhole = dqb;
    else {
      host.dispatch(attentionRowBlockCopyKernel(), [bh, sq, R, d, r0, 0], [buf(dqb), buf(dq!)], grid(bh * R * d));
      for (const t of [qb, gb, dqb]) host.free(t);
    }
    host.free(s);
    host.free(dp);
  }
  host.free(stats);
  return { dq: dq ?? dqWhole!, dk: dk!, dv: dv! };
}
