import { JOB_ADDRESS } from '../thread-control.js';
import type { ThreadPool } from '../thread-pool.js';
import type { WasmArena } from '../wasm-arena.js';
import { WasmKernelError } from '../wasm-kernel-error.js';

/**
 * Layout of a fused-attention job descriptor (i32 words; `scale` holds f32 bits). Byte pointers.
 * q/k/v/out are [bh][seq][d] row-major copies in wasm memory.
 */
export const AttnJob = {
  bh: 0,
  sq: 1,
  sk: 2,
  d: 3,
  /** d rounded up to the micro-kernel's 8 columns. */
  dp: 4,
  /** Query rows / keys per block (br a multiple of 8, bc of 4). */
  br: 5,
  bc: 6,
  qBlocks: 7,
  kBlocks: 8,
  causal: 9,
  scale: 10,
  q: 11,
  k: 12,
  v: 13,
  out: 14,
  /** Additive mask [sq][sk] per group of `maskGroup` consecutive bh (0 = no mask); maskStride in bytes. */
  mask: 15,
  maskStride: 16,
  maskGroup: 17,
  /** Packed K^T as 4-key panels [bh][kBlocks*bc/4][d][4] and zero-padded V [bh][kBlocks*bc][dp]. */
  kt: 18,
  vp: 19,
  /** Per query row: running max and sum of the softmax, [bh][sq][2]. */
  stats: 20,
  /** Per-thread scratch: slot i at scratch + i*slotBytes. */
  scratch: 21,
  slotBytes: 22,
  packNext: 23,
  packDone: 24,
  tileNext: 25,
  tileDone: 26,
  slotNext: 27,
} as const;

/** Number of i32 words in an attention job descriptor. */
export const ATTN_JOB_WORDS = 32;

/** Shapes of fused attention: q [batchHeads, seqQ, headDim], k/v [batchHeads, seqK, headDim]. */
export interface AttentionParams {
  batchHeads: number;
  seqQ: number;
  seqK: number;
  headDim: number;
  /** Multiplies q k^T; usually 1/sqrt(headDim). */
  scale: number;
  /** Query i sees keys j <= i (top-left aligned, as PyTorch's is_causal). */
  causal?: boolean;
  /** Additive mask [seqQ, seqK] (use -Infinity to hide a key), per group of heads. */
  mask?: Float32Array;
  /** Elements between the masks of consecutive groups; 0 (default) shares one mask. */
  maskBatchStride?: number;
  /** Consecutive batchHeads entries sharing one mask (e.g. the heads of one sample); default 1. */
  maskGroup?: number;
  /** Receives logsumexp of each score row, [batchHeads, seqQ] (what a backward pass needs). */
  lse?: Float32Array;
}

/** Index of the attention phases in the pool's phase function list. */
export const ATTENTION_PHASES = ['attn_pack', 'attn_compute'] as const;

/**
 * Query rows / keys per block (BR a multiple of 8, BC of 4). The score block S^T (BC x BR) and
 * the O block (BR x headDim) stay in L1/L2; 32 x 128 measured ~10% faster than 64 x 64 in CPU
 * time per FLOP here (fewer O rescales per key), within noise of 16 x 128 and 128 x 32.
 */
const BR = 32;
const BC = 128;

/** Runs fused attention through the wasm kernels; see AttentionParams. */
export function runAttention(
  pool: ThreadPool,
  arena: WasmArena,
  phaseIndex: { pack: number; compute: number },
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  out: Float32Array,
  p: AttentionParams,
): void {
  const { batchHeads: bh, seqQ: sq, seqK: sk, headDim: d } = p;
  const what = `attention (batchHeads=${bh} seqQ=${sq} seqK=${sk} headDim=${d})`;
  for (const [name, val] of Object.entries({ batchHeads: bh, seqQ: sq, seqK: sk, headDim: d })) {
    if (!Number.isInteger(val) || val < 0) throw new WasmKernelError(`${what}: ${name}=${val}, expected a non-negative integer`);
  }
  if (!Number.isFinite(p.scale)) throw new WasmKernelError(`${what}: scale=${p.scale}, expected a finite number`);
  const need = (name: string, arr: Float32Array, n: number) => {
    if (arr.length < n) throw new WasmKernelError(`${what}: ${name} has ${arr.length} elements, needs ${n}`);
  };
  need('q', q, bh * sq * d);
  need('k', k, bh * sk * d);
  need('v', v, bh * sk * d);
  need('out', out, bh * sq * d);
  const maskGroup = p.maskGroup ?? 1;
  const maskStride = p.maskBatchStride ?? 0;
  if (!Number.isInteger(maskGroup) || maskGroup < 1) throw new WasmKernelError(`${what}: maskGroup=${maskGroup}, expected a positive integer`);
  const groups = Math.ceil(bh / maskGroup);
  const maskLen = p.mask ? (groups - 1) * maskStride + sq * sk : 0;
  if (p.mask) need('mask', p.mask, maskLen);
  if (p.lse) need('lse', p.lse, bh * sq);
  if (bh === 0 || sq === 0 || d === 0) return;
  if (sk === 0) {
    // Softmax over no keys is undefined; PyTorch returns NaN.
    out.fill(Number.NaN, 0, bh * sq * d);
    p.lse?.fill(Number.NaN, 0, bh * sq);
    return;
  }

  const dp = Math.ceil(d / 8) * 8;
  const qBlocks = Math.ceil(sq / BR);
  const kBlocks = Math.ceil(sk / BC);
  const kpad = kBlocks * BC;
  const slotFloats = d * BR + BC * BR + BR * dp + 3 * BR;
  const threads = pool.threads;

  arena.reset();
  // Q and the mask get BR rows of slack: the last block reads (and discards) rows past seqQ.
  const qAddr = arena.alloc((bh * sq + BR) * d * 4, 'attention q');
  const kAddr = arena.alloc(bh * sk * d * 4, 'attention k');
  const vAddr = arena.alloc(bh * sk * d * 4, 'attention v');
  const oAddr = arena.alloc(bh * sq * d * 4, 'attention out');
  const maskAddr = p.mask ? arena.alloc((maskLen + BR * sk) * 4, 'attention mask') : 0;
  const kt = arena.alloc(bh * kpad * d * 4, 'attention packed K');
  const vp = arena.alloc(bh * kpad * dp * 4, 'attention packed V');
  const stats = arena.alloc(bh * sq * 8, 'attention stats');
  const scratch = arena.alloc(threads * slotFloats * 4 + 64, 'attention scratch');
  arena.f32(qAddr, bh * sq * d).set(q.subarray(0, bh * sq * d));
  arena.f32(kAddr, bh * sk * d).set(k.subarray(0, bh * sk * d));
  arena.f32(vAddr, bh * sk * d).set(v.subarray(0, bh * sk * d));
  if (p.mask) arena.f32(maskAddr, maskLen).set(p.mask.subarray(0, maskLen));

  const job = JOB_ADDRESS;
  const w = arena.i32(job, ATTN_JOB_WORDS);
  w.fill(0);
  w[AttnJob.bh] = bh;
  w[AttnJob.sq] = sq;
  w[AttnJob.sk] = sk;
  w[AttnJob.d] = d;
  w[AttnJob.dp] = dp;
  w[AttnJob.br] = BR;
  w[AttnJob.bc] = BC;
  w[AttnJob.qBlocks] = qBlocks;
  w[AttnJob.kBlocks] = kBlocks;
  w[AttnJob.causal] = p.causal ? 1 : 0;
  arena.f32(job + AttnJob.scale * 4, 1)[0] = p.scale;
  w[AttnJob.q] = qAddr;
  w[AttnJob.k] = kAddr;
  w[AttnJob.v] = vAddr;
  w[AttnJob.out] = oAddr;
  w[AttnJob.mask] = maskAddr;
  w[AttnJob.maskStride] = maskStride * 4;
  w[AttnJob.maskGroup] = maskGroup;
  w[AttnJob.kt] = kt;
  w[AttnJob.vp] = vp;
  w[AttnJob.stats] = stats;
  w[AttnJob.scratch] = scratch;
  w[AttnJob.slotBytes] = slotFloats * 4;

  const word = job / 4;
  // About 2 * bh*sq*sk*d multiply-adds: alone below ~4M of them (see gemm-host's SOLO_MACS).
  const solo = bh * sq * sk * d < 1 << 21;
  pool.run(
    job,
    [
      { fn: phaseIndex.pack, doneWord: word + AttnJob.packDone, total: bh },
      { fn: phaseIndex.compute, doneWord: word + AttnJob.tileDone, total: bh * qBlocks },
    ],
    solo,
  );
  out.set(arena.f32(oAddr, bh * sq * d));
  if (p.lse) {
    const st = arena.f32(stats, bh * sq * 2);
    for (let r = 0; r < bh * sq; r++) p.lse[r] = st[2 * r] + Math.log(st[2 * r + 1]);
  }
}
