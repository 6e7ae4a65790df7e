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
