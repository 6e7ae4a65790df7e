import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, type AttentionParams, type WasmKernels } from '../src/backends/cpu/wasm/index.js';
import { randomF32 } from './reference.js';


interface Inputs {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  dO: Float32Array;
}

/** Probabilities P [sq][sk] of one head in float64 (mask, causal and scale as the kernel). */
function probabilities(x: Inputs, p: AttentionParams, h: number): Float64Array {
  const { seqQ: sq, seqK: sk, headDim: d, scale } = p;
  const P = new Float64Array(sq * sk);
  const maskBase = Math.floor(h / (p.maskGroup ?? 1)) * (p.maskBatchStride ?? 0);
  for (let i = 0; i < sq; i++) {
    let m = -Infinity;
    for (let j = 0; j < sk; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += x.q[(h * sq + i) * d + t] * x.k[(h * sk + j) * d + t];
      s *= scale;
      if (p.mask) s += p.mask[maskBase + i * sk + j];
      if (p.causal && j > i) s = -Infinity;
      P[i * sk + j] = s;
      m = Math.max(m, s);
    }
    let l = 0;
    for (let j = 0; j < sk; j++) l += P[i * sk + j] = Math.exp(P[i * sk + j] - m);
    for (let j = 0; j < sk; j++) P[i * sk + j] /= l;
  }
  return P;
}

/** out and the gradients of sum(out * dO) in float64, with |terms| sums as error scales. */
function reference(x: Inputs, p: AttentionParams) {
  const { batchHeads: bh, seqQ: sq, seqK: sk, headDim: d, scale } = p;
  const out = new Float64Array(bh * sq * d);
  const dq = new Float64Array(bh * sq * d);
  const dk = new Float64Array(bh * sk * d);
  const dv = new Float64Array(bh * sk * d);
  const dqMag = new Float64Array(bh * sq * d);
  const dkMag = new Float64Array(bh * sk * d);
  const dvMag = new Float64Array(bh * sk * d);
  for (let h = 0; h < bh; h++) {
    const P = probabilities(x, p, h);
    const dS = new Float64Array(sq * sk);
    // |P| (|dP| + |rowDot|): the size of dS's terms before they cancel, the scale of its f32 error.
    const dSMag = new Float64Array(sq * sk);
    for (let i = 0; i < sq; i++) {
      for (let t = 0; t < d; t++) {
        let o = 0;
        for (let j = 0; j < sk; j++) o += P[i * sk + j] * x.v[(h * sk + j) * d + t];
        out[(h * sq + i) * d + t] = o;
      }
      let rowDot = 0;
      const dP = new Float64Array(sk);
      for (let j = 0; j < sk; j++) {
        for (let t = 0; t < d; t++) dP[j] += x.dO[(h * sq + i) * d + t] * x.v[(h * sk + j) * d + t];
        rowDot += dP[j] * P[i * sk + j];
      }
      for (let j = 0; j < sk; j++) {
        dS[i * sk + j] = P[i * sk + j] * (dP[j] - rowDot);
        dSMag[i * sk + j] = P[i * sk + j] * (Math.abs(dP[j]) + Math.abs(rowDot));
      }
    }
    for (let i = 0; i < sq; i++) {
      for (let t = 0; t < d; t++) {
        let g = 0;
        let mag = 0;
        for (let j = 0; j < sk; j++) {
          g += dS[i * sk + j] * x.k[(h * sk + j) * d + t];
          mag += dSMag[i * sk + j] * Math.abs(x.k[(h * sk + j) * d + t]);
        }
        dq[(h * sq + i) * d + t] = scale * g;
        dqMag[(h * sq + i) * d + t] = scale * mag;
      }
    }
    for (let j = 0; j < sk; j++) {
      for (let t = 0; t < d; t++) {
        let gk = 0;
        let mk = 0;
        let gv = 0;
        let mv = 0;
        for (let i = 0; i < sq; i++) {
          gk += dS[i * sk + j] * x.q[(h * sq + i) * d + t];
          mk += dSMag[i * sk + j] * Math.abs(x.q[(h * sq + i) * d + t]);
          gv += P[i * sk + j] * x.dO[(h * sq + i) * d + t];
          mv += Math.abs(P[i * sk + j] * x.dO[(h * sq + i) * d + t]);
        }
        dk[(h * sk + j) * d + t] = scale * gk;
        dkMag[(h * sk + j) * d + t] = scale * mk;
        dv[(h * sk + j) * d + t] = gv;
        dvMag[(h * sk + j) * d + t] = mv;
      }
    }
  }
  return { out, dq, dk, dv, dqMag, dkMag, dvMag };
}

function maxScaledError(actual: Float32Array, expected: Float64Array, mag: Float64Array, floor: number): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) / Math.max(mag[i], floor);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

function inputs(p: AttentionParams, seed: number): Inputs {
  return {
    q: randomF32(p.batchHeads * p.seqQ * p.headDim, seed),
    k: randomF32(p.batchHeads * p.seqK * p.headDim, seed + 1),
    v: randomF32(p.batchHeads * p.seqK * p.headDim, seed + 2),
    dO: randomF32(p.batchHeads * p.seqQ * p.headDim, seed + 3),
  };
}

/** Runs forward (for o and lse) then backward through the kernels. */
function grads(kern: WasmKernels, x: Inputs, p: AttentionParams) {
  const { batchHeads: bh, seqQ: sq, seqK: sk, headDim: d } = p;
  const o = new Float32Array(bh * sq * d);
  const lse = new Float32Array(bh * sq);
  kern.attention(x.q, x.k, x.v, o, { ...p, lse });
  const g = { dq: new Float32Array(bh * sq * d).fill(Number.NaN), dk: new Float32Array(bh * sk * d).fill(Number.NaN), dv: new Float32Array(bh * sk * d).fill(Number.NaN) };
  kern.attentionBackward({ ...x, o, lse }, g, p);
  return g;
}

/**
 * Error budget relative to each gradient's sum of |terms| (dS's terms taken before the P (dP - D)
 * cancellation; floored at 1e-3 of the largest): P is
 * recomputed from f32 scores over headDim terms and an f32 logsumexp, dP sums headDim terms and
 * the gradients sum seqQ or seqK terms; ~ (headDim + seq) * 6e-8 each, a few such steps deep.
 */
function tolerance(p: AttentionParams): number {
  return Math.min(4 * (p.headDim + Math.max(p.seqQ, p.seqK) + 16) * 6e-8, 1e-4);
}

const CASES: AttentionParams[] = [
  { batchHeads: 1, seqQ: 1, seqK: 1, headDim: 8, scale: 0.5 },
  { batchHeads: 2, seqQ: 5, seqK: 7, headDim: 3, scale: 0.6 },
  { batchHeads: 3, seqQ: 45, seqK: 70, headDim: 64, scale: 0.125 }, // two key blocks, two query blocks
  { batchHeads: 2, seqQ: 70, seqK: 70, headDim: 20, scale: 0.3, causal: true },
  { batchHeads: 4, seqQ: 80, seqK: 100, headDim: 64, scale: 0.125, causal: true }, // heads shared by the threads
];

for (const threads of [1, 2]) {
  describe(`wasm fused attention backward (${threads} thread${threads > 1 ? 's' : ''})`, () => {
    let kern: WasmKernels;
    beforeAll(async () => {
      kern = await createWasmKernels({ threads });
    });
    afterAll(() => kern.dispose());

    it('matches float64 gradients of sum(attention(q, k, v) * dO)', () => {
      CASES.forEach((p, n) => {
        const x = inputs(p, 20 + n);
        const g = grads(kern, x, p);
        const r = reference(x, p);
        const floorOf = (mag: Float64Array) => 1e-3 * Math.max(...mag);
        const tol = tolerance(p);
        expect(maxScaledError(g.dq, r.dq, r.dqMag, floorOf(r.dqMag)), `dq ${JSON.stringify(p)}`).toBeLessThanOrEqual(tol);
        expect(maxScaledError(g.dk, r.dk, r.dkMag, floorOf(r.dkMag)), `dk ${JSON.stringify(p)}`).toBeLessThanOrEqual(tol);
        expect(maxScaledError(g.dv, r.dv, r.dvMag, floorOf(r.dvMag)), `dv ${JSON.stringify(p)}`).toBeLessThanOrEqual(tol);
      });
    });

    it('handles a per-group additive mask with hidden keys', () => {
      // 4 * 90 * 75 * 48 > 1M: the heads are shared by the threads.
      const bh = 4;
      const sq = 90;
      const sk = 75;
      const mask = randomF32(2 * sq * sk, 91).map((u) => (Math.abs(u) < 0.3 ? -Infinity : u));
      for (let g = 0; g < 2; g++) for (let i = 0; i < sq; i++) mask[g * sq * sk + i * sk] = 0.2;
      const p: AttentionParams = { batchHeads: bh, seqQ: sq, seqK: sk, headDim: 48, scale: 0.25, mask, maskGroup: 2, maskBatchStride: sq * sk };
      const x = inputs(p, 33);
      const g = grads(kern, x, p);
      const r = reference(x, p);
      const tol = tolerance(p);
      for (const [name, a, e, m] of [['dq', g.dq, r.dq, r.dqMag], ['dk', g.dk, r.dk, r.dkMag], ['dv', g.dv, r.dv, r.dvMag]] as const) {
        expect(maxScaledError(a, e, m, 1e-3 * Math.max(...m)), name).toBeLessThanOrEqual(tol);
      }
    });
  });
}

describe('attention backward reference', () => {
  it('agrees with central finite differences of sum(attention * dO)', () => {
    // Checks the float64 reference formulas themselves on a tiny causal case.
    const p: AttentionParams = { batchHeads: 1, seqQ: 3, seqK: 4, headDim: 2, scale: 0.7, causal: true };
    const x = inputs(p, 5);
    const r = reference(x, p);
    const loss = (y: Inputs) => reference(y, p).out.reduce((acc, o, i) => acc + o * y.dO[i], 0);
    const eps = 1e-3;
    for (const name of ['q', 'k', 'v'] as const) {
      const grad = name === 'q' ? r.dq : name === 'k' ? r.dk : r.dv;
      for (let i = 0; i < x[name].length; i++) {
        // Perturb a float64 copy so the step is exact.
        const plus = { ...x, [name]: Float64Array.from(x[name]) } as unknown as Inputs;
        const minus = { ...x, [name]: Float64Array.from(x[name]) } as unknown as Inputs;
        plus[name][i] += eps;
        minus[name][i] -= eps;
        const fd = (loss(plus) - loss(minus)) / (2 * eps);
        expect(Math.abs(fd - grad[i]), `${name}[${i}]`).toBeLessThan(1e-6);
      }
    }
  });
});
