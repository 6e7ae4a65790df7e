import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, WasmKernelError, type AttentionParams, type WasmKernels } from '../src/backends/cpu/wasm/index.js';
import { randomF32 } from './reference.js';


interface Reference {
  out: Float64Array;
  /** sum_j p_ij |v_jt|: the scale of the rounding error of out[i][t]. */
  mag: Float64Array;
  lse: Float64Array;
}

/** softmax(q k^T * scale + mask) v in float64, one score row at a time. */
function reference(q: Float32Array, k: Float32Array, v: Float32Array, p: AttentionParams): Reference {
  const { batchHeads: bh, seqQ: sq, seqK: sk, headDim: d, scale } = p;
  const out = new Float64Array(bh * sq * d);
  const mag = new Float64Array(bh * sq * d);
  const lse = new Float64Array(bh * sq);
  const s = new Float64Array(sk);
  for (let h = 0; h < bh; h++) {
    const maskBase = Math.floor(h / (p.maskGroup ?? 1)) * (p.maskBatchStride ?? 0);
    for (let i = 0; i < sq; i++) {
      let m = -Infinity;
      for (let j = 0; j < sk; j++) {
        let acc = 0;
        for (let t = 0; t < d; t++) acc += q[(h * sq + i) * d + t] * k[(h * sk + j) * d + t];
        acc *= scale;
        if (p.mask) acc += p.mask[maskBase + i * sk + j];
        if (p.causal && j > i) acc = -Infinity;
        s[j] = acc;
        m = Math.max(m, acc);
      }
      let l = 0;
      for (let j = 0; j < sk; j++) {
        s[j] = Math.exp(s[j] - m);
        l += s[j];
      }
      lse[h * sq + i] = m + Math.log(l);
      for (let t = 0; t < d; t++) {
        let acc = 0;
        let a = 0;
        for (let j = 0; j < sk; j++) {
          acc += s[j] * v[(h * sk + j) * d + t];
          a += s[j] * Math.abs(v[(h * sk + j) * d + t]);
        }
        out[(h * sq + i) * d + t] = acc / l;
        mag[(h * sq + i) * d + t] = a / l;
      }
    }
  }
  return { out, mag, lse };
}

/**
 * Error budget, relative to sum_j p_j |v_j|: scores are f32 dot products over headDim terms whose
 * error (~headDim * 6e-8 * |score| scale) moves each p_j by as much, exp adds ~2 ulp, and P V
 * accumulates seqK terms (~seqK * 6e-8); random signs make the real error far smaller.
 */
function tolerance(p: AttentionParams): number {
  return Math.min((p.seqK + 4 * p.headDim + 16) * 6e-8, 1e-5);
}

function check(kern: WasmKernels, p: AttentionParams, seed: number): { err: number; lseErr: number } {
  const { batchHeads: bh, seqQ: sq, seqK: sk, headDim: d } = p;
  const q = randomF32(bh * sq * d, seed);
  const k = randomF32(bh * sk * d, seed + 1);
  const v = randomF32(bh * sk * d, seed + 2);
  const out = new Float32Array(bh * sq * d).fill(Number.NaN);
  const lse = new Float32Array(bh * sq).fill(Number.NaN);
  kern.attention(q, k, v, out, { ...p, lse });
  const r = reference(q, k, v, p);
  let err = 0;
  for (let i = 0; i < out.length; i++) {
    const e = Math.abs(out[i] - r.out[i]) / r.mag[i];
    if (!(e <= err)) err = Number.isNaN(e) ? Infinity : e;
  }
  let lseErr = 0;
  for (let i = 0; i < lse.length; i++) {
    const e = Math.abs(lse[i] - r.lse[i]) / Math.max(1, Math.abs(r.lse[i]));
    if (!(e <= lseErr)) lseErr = Number.isNaN(e) ? Infinity : e;
  }
  return { err, lseErr };
}

/** A random additive mask with about a fifth of the keys hidden (-Infinity) but key 0 always visible. */
function randomMask(groups: number, sq: number, sk: number, seed: number): Float32Array {
  const u = randomF32(groups * sq * sk, seed);
  const mask = u.map((x) => (Math.abs(x) < 0.3 ? -Infinity : x));
  for (let g = 0; g < groups; g++) for (let i = 0; i < sq; i++) mask[g * sq * sk + i * sk] = 0.5;
  return mask;
}

const SHAPES: Omit<AttentionParams, 'scale'>[] = [
  { batchHeads: 1, seqQ: 1, seqK: 1, headDim: 8 },
  { batchHeads: 2, seqQ: 5, seqK: 7, headDim: 3 },
  { batchHeads: 3, seqQ: 70, seqK: 130, headDim: 64 }, // several key blocks, ragged ends
  { batchHeads: 2, seqQ: 129, seqK: 65, headDim: 40 }, // headDim padded to 40 -> 40, several query blocks
  { batchHeads: 1, seqQ: 17, seqK: 200, headDim: 128 },
  { batchHeads: 4, seqQ: 150, seqK: 200, headDim: 64 }, // above the single-thread threshold
];

for (const threads of [1, 2]) {
  describe(`wasm fused attention (${threads} thread${threads > 1 ? 's' : ''})`, () => {
    let kern: WasmKernels;
    beforeAll(async () => {
      kern = await createWasmKernels({ threads });
    });
    afterAll(() => kern.dispose());

    it('matches float64 softmax(q k^T * scale) v and its logsumexp', () => {
      SHAPES.forEach((s, i) => {
        const p = { ...s, scale: 1 / Math.sqrt(s.headDim) };
        const { err, lseErr } = check(kern, p, 10 + i);
        expect(err, JSON.stringify(s)).toBeLessThanOrEqual(tolerance(p));
        expect(lseErr, JSON.stringify(s)).toBeLessThanOrEqual(1e-6);
      });
    });

    it('applies causal masking (key j visible to query i iff j <= i)', () => {
      for (const s of [SHAPES[2], { batchHeads: 2, seqQ: 150, seqK: 150, headDim: 16 }, SHAPES[5]]) {
        const p = { ...s, seqK: Math.max(s.seqK, s.seqQ), scale: 0.3, causal: true };
        const { err, lseErr } = check(kern, p, 50);
        expect(err, JSON.stringify(p)).toBeLessThanOrEqual(tolerance(p));
        expect(lseErr).toBeLessThanOrEqual(1e-6);
      }
    });

    it('adds a per-group additive mask with -Infinity entries, combined with causal', () => {
      // 4 * 130 * 97 * 48 > 2M: the threads share the query blocks.
      const bh = 4;
      const sq = 130;
      const sk = 97;
      const group = 2;
      const base = { batchHeads: bh, seqQ: sq, seqK: sk, headDim: 48, scale: 0.2, maskGroup: group, maskBatchStride: sq * sk };
      for (const causal of [false, true]) {
        const p: AttentionParams = { ...base, causal, mask: randomMask(bh / group, sq, sk, 77) };
        const { err, lseErr } = check(kern, p, 60);
        expect(err, `causal=${causal}`).toBeLessThanOrEqual(tolerance(p));
        expect(lseErr).toBeLessThanOrEqual(1e-6);
      }
      // One mask shared by every head (stride 0).
      const shared: AttentionParams = { ...base, maskGroup: 1, maskBatchStride: 0, mask: randomMask(1, sq, sk, 78) };
      expect(check(kern, shared, 61).err).toBeLessThanOrEqual(tolerance(shared));
    });
  });
}

describe('wasm fused attention arguments', () => {
  it('names the array that is too short', async () => {
    const kern = await createWasmKernels({ threads: 1 });
    try {
      const p = { batchHeads: 2, seqQ: 3, seqK: 4, headDim: 5, scale: 1 };
      expect(() => kern.attention(new Float32Array(30), new Float32Array(39), new Float32Array(40), new Float32Array(30), p)).toThrow(WasmKernelError);
      expect(() => kern.attention(new Float32Array(30), new Float32Array(39), new Float32Array(40), new Float32Array(30), p)).toThrow(/k has 39 elements, needs 40/);
    } finally {
      kern.dispose();
    }
  });
});
