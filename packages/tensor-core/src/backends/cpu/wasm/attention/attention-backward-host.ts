import { JOB_ADDRESS } from '../thread-control.js';
import type { ThreadPool } from '../thread-pool.js';
import type { WasmArena } from '../wasm-arena.js';
import { WasmKernelError } from '../wasm-kernel-error.js';
import type { AttentionParams } from './attention-host.js';

/**
 * Layout of a fused-attention backward job (i32 words; `scale` holds f32 bits; byte pointers).
 * Inputs q/o/dO are [bh][sq][d], k/v [bh][sk][d], lse [bh][sq]; outputs dq [bh][sq][d],
 * dk/dv [bh][sk][d].
 */
export const AttnBwdJob = {
  bh: 0,
  sq: 1,
  sk: 2,
  d: 3,
  dp: 4,
  br: 5,
  bc: 6,
  qBlocks: 7,
  kBlocks: 8,
  causal: 9,
  scale: 10,
  q: 11,
  k: 12,
  v: 13,
  o: 14,
  dO: 15,
  lse: 16,
  dq: 17,
  dk: 18,
  dv: 19,
  mask: 20,
  maskStride: 21,
  maskGroup: 22,
  /** Packed per head: K^T and V^T key blocks [kBlocks][d][bc], K rows padded [kpad][dp]. */
  kt: 23,
  vt: 24,
  kp: 25,
  scratch: 26,
  slotBytes: 27,
  packNext: 28,
  packDone: 29,
  headNext: 30,
  headDone: 31,
  slotNext: 32,
} as const;

/** Number of i32 words in an attention backward job descriptor. */
export const ATTN_BWD_JOB_WORDS = 40;

/** Gradients of fused attention: written into dq [batchHeads, seqQ, headDim] and dk, dv [batchHeads, seqK, headDim]. */
export interface AttentionGrads {
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
}

/** Index of the attention backward phases in the pool's phase function list. */
export const ATTENTION_BACKWARD_PHASES = ['attn_bwd_pack', 'attn_bwd_compute'] as const;

/** Query rows / keys per block: P, dP/dS and dS^T blocks (32 x 64 floats each) stay in L1. */
const BR = 32;
const BC = 64;

/**
 * Runs the fused attention backward: given the forward's inputs, output `o`, its logsumexp `lse`
 * and the output gradient `dO`, writes dq, dk, dv. `p` is the forward's AttentionParams
 * (scale, causal, mask); its `lse` field is ignored here.
 */
export function runAttentionBackward(
  pool: ThreadPool,
  arena: WasmArena,
  phaseIndex: { pack: number; compute: number },
  inputs: { q: Float32Array; k: Float32Array; v: Float32Array; o: Float32Array; dO: Float32Array; lse: Float32Array },
  grads: AttentionGrads,
  p: AttentionParams,
): void {
  const { batchHeads: bh, seqQ: sq, seqK: sk, headDim: d } = p;
  const what = `attentionBackward (batchHeads=${bh} seqQ=${sq} seqK=${sk} headDim=${d})`;
  for (const [name, val] of Object.entries({ batchHeads: bh, seqQ: sq, seqK: sk, headDim: d })) {
    if (!Number.isInteger(val) || val < 0) throw new WasmKernelError(`${what}: ${name}=${val}, expected a non-negative integer`);
  }
  if (!Number.isFinite(p.scale)) throw new WasmKernelError(`${what}: scale=${p.scale}, expected a finite number`);
  const sizes: Record<string, [Float32Array, number]> = {
    q: [inputs.q, bh * sq * d],
    k: [inputs.k, bh * sk * d],
    v: [inputs.v, bh * sk * d],
    o: [inputs.o, bh * sq * d],
    dO: [inputs.dO, bh * sq * d],
    lse: [inputs.lse, bh * sq],
    dq: [grads.dq, bh * sq * d],
    dk: [grads.dk, bh * sk * d],
    dv: [grads.dv, bh * sk * d],
  };
  for (const [name, [arr, n]] of Object.entries(sizes)) {
    if (arr.length < n) throw new WasmKernelError(`${what}: ${name} has ${arr.length} elements, needs ${n}`);
  }
  const maskGroup = p.maskGroup ?? 1;
  const maskStride = p.maskBatchStride ?? 0;
  if (!Number.isInteger(maskGroup) || maskGroup < 1) throw new WasmKernelError(`${what}: maskGroup=${maskGroup}, expected a positive integer`);
  const maskLen = p.mask ? (Math.ceil(bh / maskGroup) - 1) * maskStride + sq * sk : 0;
  if (p.mask && p.mask.length < maskLen) throw new WasmKernelError(`${what}: mask has ${p.mask.length} elements, needs ${maskLen}`);
  if (bh === 0 || d === 0) return;
  if (sq === 0 || sk === 0) {
    grads.dq.fill(0, 0, bh * sq * d);
    grads.dk.fill(0, 0, bh * sk * d);
    grads.dv.fill(0, 0, bh * sk * d);
    return;
  }

  const dp = Math.ceil(d / 8) * 8;
  const qBlocks = Math.ceil(sq / BR);
  const kBlocks = Math.ceil(sk / BC);
  const kpad = kBlocks * BC;
  const slotFloats = 2 * d * BR + 3 * BR * dp + 2 * BR + 3 * BR * BC + 2 * kpad * dp;

  arena.reset();
  const copy = (arr: Float32Array, n: number, what2: string, slack = 0) => {
    const addr = arena.alloc((n + slack) * 4, what2);
    arena.f32(addr, n).set(arr.subarray(0, n));
    return addr;
  };
  const qAddr = copy(inputs.q, bh * sq * d, 'attention backward q');
  const kAddr = copy(inputs.k, bh * sk * d, 'attention backward k');
  const vAddr = copy(inputs.v, bh * sk * d, 'attention backward v');
  const oAddr = copy(inputs.o, bh * sq * d, 'attention backward o');
  const dOAddr = copy(inputs.dO, bh * sq * d, 'attention backward dO');
  const lseAddr = copy(inputs.lse, bh * sq, 'attention backward lse');
  // The mask is read a vector at a time and one block past its rows: BC + BR rows of slack.
  const maskAddr = p.mask ? copy(p.mask, maskLen, 'attention backward mask', (BR + 1) * sk + BC) : 0;
  const dqAddr = arena.alloc(bh * sq * d * 4, 'attention backward dq');
  const dkAddr = arena.alloc(bh * sk * d * 4, 'attention backward dk');
  const dvAddr = arena.alloc(bh * sk * d * 4, 'attention backward dv');
  const kt = arena.alloc(bh * kpad * d * 4, 'attention backward packed K');
  const vt = arena.alloc(bh * kpad * d * 4, 'attention backward packed V');
  const kp = arena.alloc(bh * kpad * dp * 4, 'attention backward padded K');
  const scratch = arena.alloc(pool.threads * slotFloats * 4, 'attention backward scratch');

  const job = JOB_ADDRESS;
  const w = arena.i32(job, ATTN_BWD_JOB_WORDS);
  w.fill(0);
  Object.assign(w, {
    [AttnBwdJob.bh]: bh,
    [AttnBwdJob.sq]: sq,
    [AttnBwdJob.sk]: sk,
    [AttnBwdJob.d]: d,
    [AttnBwdJob.dp]: dp,
    [AttnBwdJob.br]: BR,
    [AttnBwdJob.bc]: BC,
    [AttnBwdJob.qBlocks]: qBlocks,
    [AttnBwdJob.kBlocks]: kBlocks,
    [AttnBwdJob.causal]: p.causal ? 1 : 0,
    [AttnBwdJob.q]: qAddr,
    [AttnBwdJob.k]: kAddr,
    [AttnBwdJob.v]: vAddr,
    [AttnBwdJob.o]: oAddr,
    [AttnBwdJob.dO]: dOAddr,
    [AttnBwdJob.lse]: lseAddr,
    [AttnBwdJob.dq]: dqAddr,
    [AttnBwdJob.dk]: dkAddr,
    [AttnBwdJob.dv]: dvAddr,
    [AttnBwdJob.mask]: maskAddr,
    [AttnBwdJob.maskStride]: maskStride * 4,
    [AttnBwdJob.maskGroup]: maskGroup,
    [AttnBwdJob.kt]: kt,
    [AttnBwdJob.vt]: vt,
    [AttnBwdJob.kp]: kp,
    [AttnBwdJob.scratch]: scratch,
    [AttnBwdJob.slotBytes]: slotFloats * 4,
  });
  arena.f32(job + AttnBwdJob.scale * 4, 1)[0] = p.scale;

  const word = job / 4;
  pool.run(
    job,
    [
      { fn: phaseIndex.pack, doneWord: word + AttnBwdJob.packDone, total: bh },
      { fn: phaseIndex.compute, doneWord: word + AttnBwdJob.headDone, total: bh },
    ],
    // ~5 * bh*sq*sk*d multiply-adds: alone below ~4M of them.
    bh * sq * sk * d < 1 << 20,
  );
  grads.dq.set(arena.f32(dqAddr, bh * sq * d));
  grads.dk.set(arena.f32(dkAddr, bh * sk * d));
  grads.dv.set(arena.f32(dvAddr, bh * sk * d));
}
