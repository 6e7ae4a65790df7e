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
