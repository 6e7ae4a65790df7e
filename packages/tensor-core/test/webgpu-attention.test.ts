import { describe, expect, it, vi } from 'vitest';
import { scaledDotProductAttention, tensor } from '@loraflow/tensor-core';
import type { AttentionKernelParams } from '../src/device/backend.js';
import { attentionBackwardBlocking } from '../src/backends/webgpu/webgpu-attention.js';
import type { WebGpuBackend } from '../src/backends/webgpu/webgpu-backend.js';
import { DEVICES } from './backends.js';
import { maxRelError, randomValues } from './reference.js';

const gpuDevices = DEVICES.filter((d) => d.kind === 'webgpu');

it('fused attention runs wherever a WebGPU device is required', () => {
  expect(process.env.LORAFLOW_REQUIRE_WEBGPU === '1' ? gpuDevices.length : 1).toBeGreaterThan(0);
});

/** Shapes of a Backend.flashAttention case; the mask is [seqQ, seqK] per group of `maskGroup` heads. */
interface FlashCase {
  bh: number;
  sq: number;
  sk: number;
  d: number;
  causal: boolean;
  mask: 'none' | 'shared' | 'grouped';
  maskGroup?: number;
  /** Score-block size of the blocked backward (large head dims), to split the query rows. */
  blockFloats?: number;
}

interface FlashResult {
  out: Float64Array;
  lse: Float64Array;
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
}

const f32 = (n: number, seed: number) => Float32Array.from(randomValues(n, seed));

/** Random additive mask values with some keys hidden (-inf), never key 0 so no row loses every key. */
function randomMask(c: FlashCase, seed: number): Float32Array | null {
  if (c.mask === 'none') return null;
  const groups = c.mask === 'grouped' ? Math.ceil(c.bh / (c.maskGroup ?? 1)) : 1;
  const m = f32(groups * c.sq * c.sk, seed);
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < c.sq; i++) {
      for (let j = 1; j < c.sk; j++) if ((i + 2 * j + g) % 7 === 0) m[(g * c.sq + i) * c.sk + j] = -Infinity;
    }
  }
  return m;
}

/** Attention forward (out, lse) and its gradients for output gradient `g`, in float64. */
function flashReference(q: Float32Array, k: Float32Array, v: Float32Array, g: Float32Array, mask: Float32Array | null, c: FlashCase, scale: number): FlashResult {
  const { bh, sq, sk, d } = c;
  const r: FlashResult = {
    out: new Float64Array(bh * sq * d),
    lse: new Float64Array(bh * sq),
    dq: new Float64Array(bh * sq * d),
    dk: new Float64Array(bh * sk * d),
    dv: new Float64Array(bh * sk * d),
  };
  const s = new Float64Array(sk);
  const ds = new Float64Array(sk);
  const stride = c.mask === 'grouped' ? sq * sk : 0;
  for (let b = 0; b < bh; b++) {
    const mBase = Math.floor(b / (c.maskGroup ?? 1)) * stride;
    for (let i = 0; i < sq; i++) {
      const qi = (b * sq + i) * d;
      let mx = -Infinity;
      for (let j = 0; j < sk; j++) {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += q[qi + t] * k[(b * sk + j) * d + t];
        s[j] = c.causal && j > i ? -Infinity : dot * scale + (mask ? mask[mBase + i * sk + j] : 0);
        mx = Math.max(mx, s[j]);
      }
      let z = 0;
      for (let j = 0; j < sk; j++) z += Math.exp(s[j] - mx);
      const lse = mx + Math.log(z);
      r.lse[b * sq + i] = lse;
      for (let j = 0; j < sk; j++) {
        s[j] = Math.exp(s[j] - lse);
        for (let t = 0; t < d; t++) r.out[qi + t] += s[j] * v[(b * sk + j) * d + t];
      }
      let D = 0;
      for (let t = 0; t < d; t++) D += g[qi + t] * r.out[qi + t];
      for (let j = 0; j < sk; j++) {
        let dp = 0;
        for (let t = 0; t < d; t++) dp += g[qi + t] * v[(b * sk + j) * d + t];
        ds[j] = s[j] * (dp - D);
        for (let t = 0; t < d; t++) {
          r.dq[qi + t] += scale * ds[j] * k[(b * sk + j) * d + t];
          r.dk[(b * sk + j) * d + t] += scale * ds[j] * q[qi + t];
          r.dv[(b * sk + j) * d + t] += s[j] * g[qi + t];
        }
      }
    }
  }
  return r;
}

/** Max error relative to the largest reference magnitude (gradients cancel to small entries). */
function scaledError(actual: ArrayLike<number>, expected: Float64Array): number {
  let peak = 0;
  for (const e of expected) peak = Math.max(peak, Math.abs(e));
  return maxRelError(actual, expected, peak);
}

for (const device of gpuDevices) {
  const g = device.backend as WebGpuBackend;
  describe(`flashAttention / flashAttentionBackward on ${device.kind}`, () => {
    const cases: FlashCase[] = [
      { bh: 2, sq: 70, sk: 45, d: 16, causal: false, mask: 'none' },
      { bh: 3, sq: 130, sk: 130, d: 64, causal: true, mask: 'none' },
      { bh: 4, sq: 33, sk: 50, d: 64, causal: false, mask: 'grouped', maskGroup: 2 },
      { bh: 2, sq: 40, sk: 29, d: 20, causal: true, mask: 'shared' },
      { bh: 3, sq: 19, sk: 23, d: 6, causal: false, mask: 'grouped', maskGroup: 1 },
      // Head dims >= 64 take the blocked (matmul) backward: whole, and in row blocks of 8 / 16 / 6
      // that do not divide seqQ, with grouped masks, causal and seqQ != seqK.
      { bh: 2, sq: 65, sk: 80, d: 128, causal: true, mask: 'shared' },
      { bh: 4, sq: 37, sk: 50, d: 128, causal: false, mask: 'grouped', maskGroup: 2, blockFloats: 4 * 50 * 8 },
      { bh: 3, sq: 45, sk: 30, d: 96, causal: true, mask: 'grouped', maskGroup: 1, blockFloats: 3 * 30 * 16 },
      // Odd head dim: scalar registers in the forward, scalar operand loads in the backward's matmuls.
      { bh: 2, sq: 21, sk: 17, d: 66, causal: false, mask: 'none', blockFloats: 2 * 17 * 6 },
    ];
    it.each(cases)(
      'forward and gradients match float64 for %o',
      async (c) => {
        const scale = 1 / Math.sqrt(c.d);
        const q = f32(c.bh * c.sq * c.d, 81);
        const k = f32(c.bh * c.sk * c.d, 82);
        const v = f32(c.bh * c.sk * c.d, 83);
        const dO = f32(c.bh * c.sq * c.d, 84);
        const mask = randomMask(c, 85);
        const p: AttentionKernelParams = {
          batchHeads: c.bh, seqQ: c.sq, seqK: c.sk, headDim: c.d, scale, causal: c.causal,
          mask: mask ? g.upload(mask, 'f32') : null, maskBatchStride: c.mask === 'grouped' ? c.sq * c.sk : 0, maskGroup: c.maskGroup ?? 1,
        };
        const [sq, sk, sv, sg] = [q, k, v, dO].map((x) => g.upload(x, 'f32'));
        const fwd = g.flashAttention(sq, sk, sv, p);
        const saved = attentionBackwardBlocking.scoreBlockFloats;
        attentionBackwardBlocking.scoreBlockFloats = c.blockFloats ?? saved;
        let bwd: ReturnType<WebGpuBackend['flashAttentionBackward']>;
        try {
          bwd = g.flashAttentionBackward(sq, sk, sv, fwd.out, sg, fwd.lse, p);
        } finally {
          attentionBackwardBlocking.scoreBlockFloats = saved;
        }
        const ref = flashReference(q, k, v, dO, mask, c, scale);
        // Outputs are convex combinations of v rows (|v| <= 1.1): judge errors against that scale.
        expect(maxRelError(await g.read(fwd.out), ref.out, 1)).toBeLessThan(1e-5);
        expect(maxRelError(await g.read(fwd.lse), ref.lse, 1)).toBeLessThan(1e-5);
        expect(scaledError(await g.read(bwd.dq), ref.dq)).toBeLessThan(1e-4);
        expect(scaledError(await g.read(bwd.dk), ref.dk)).toBeLessThan(1e-4);
        expect(scaledError(await g.read(bwd.dv), ref.dv)).toBeLessThan(1e-4);
      },
      // First compiles of the d = 128 kernels take minutes on software adapters (lavapipe).
      600_000,
    );

    it('gives NaN output and -inf logsumexp for a row whose keys are all masked', async () => {
      const c = { bh: 1, sq: 2, sk: 3, d: 4 };
      const mask = g.upload(Float32Array.from([0, 0, 0, -Infinity, -Infinity, -Infinity]), 'f32');
      const up = (n: number, seed: number) => g.upload(f32(n, seed), 'f32');
      const p: AttentionKernelParams = { batchHeads: 1, seqQ: 2, seqK: 3, headDim: 4, scale: 0.5, causal: false, mask, maskBatchStride: 0, maskGroup: 1 };
      const r = g.flashAttention(up(c.sq * c.d, 1), up(c.sk * c.d, 2), up(c.sk * c.d, 3), p);
      const out = await g.read(r.out);
      const lse = await g.read(r.lse);
      expect([...out.slice(0, 4)].every(Number.isFinite)).toBe(true);
      expect([...out.slice(4)].every(Number.isNaN)).toBe(true);
      expect(Number.isFinite(lse[0])).toBe(true);
      expect(lse[1]).toBe(-Infinity);
    });

    it('rejects head dims past the register budget and undersized operands, naming the op', () => {
      const p: AttentionKernelParams = { batchHeads: 1, seqQ: 2, seqK: 2, headDim: 512, scale: 1, causal: false, mask: null, maskBatchStride: 0, maskGroup: 1 };
      const x = g.upload(new Float32Array(1024), 'f32');
      expect(() => g.flashAttention(x, x, x, p)).toThrow(/flashAttention.*headDim=512/);
      expect(() => g.flashAttention(x, x, x, { ...p, headDim: 64, seqQ: 32 })).toThrow(/q has 1024 elements, needs 2048/);
    });

    it('scaledDotProductAttention takes the fused path, with a padding mask per sample and causal, and its gradients match float64', async () => {
      const [B, H, L, S, D] = [2, 3, 9, 12, 8];
      const c: FlashCase = { bh: B * H, sq: L, sk: S, d: D, causal: true, mask: 'grouped', maskGroup: H };
      const q = f32(B * H * L * D, 91);
      const k = f32(B * H * S * D, 92);
      const v = f32(B * H * S * D, 93);
      const w = f32(B * H * L * D, 94);
      // A [B, 1, 1, S] mask (additive, per sample): keys 2 and 3 of sample 1 hidden.
      const pad = new Float32Array(B * S);
      for (let j = 2; j < 4; j++) pad[S + j] = -Infinity;
      const full = new Float32Array(B * L * S);
      for (let b = 0; b < B; b++) for (let i = 0; i < L; i++) full.set(pad.subarray(b * S, (b + 1) * S), (b * L + i) * S);
      const fused = vi.spyOn(g, 'flashAttention');
      const tq = tensor(q, [B, H, L, D], { device, requiresGrad: true });
      const tk = tensor(k, [B, H, S, D], { device, requiresGrad: true });
      const tv = tensor(v, [B, H, S, D], { device, requiresGrad: true });
      const out = scaledDotProductAttention(tq, tk, tv, { isCausal: true, mask: tensor(pad, [B, 1, 1, S], { device }) });
      out.mul(tensor(w, [B, H, L, D], { device })).sum().backward();
      expect(fused).toHaveBeenCalledTimes(1);
      fused.mockRestore();
      const ref = flashReference(q, k, v, w, full, c, 1 / Math.sqrt(D));
      expect(maxRelError(await out.data(), ref.out, 1)).toBeLessThan(1e-5);
      expect(scaledError(await tq.grad!.data(), ref.dq)).toBeLessThan(1e-4);
      expect(scaledError(await tk.grad!.data(), ref.dk)).toBeLessThan(1e-4);
      expect(scaledError(await tv.grad!.data(), ref.dv)).toBeLessThan(1e-4);
    });

    it('head dims above the fused kernels\' limit take the composite path and still match float64', async () => {
      const D = g.maxFlashAttentionHeadDim + 8;
      const c: FlashCase = { bh: 2, sq: 5, sk: 7, d: D, causal: false, mask: 'none' };
      const [q, k, v, w] = [[2 * 5 * D, 95], [2 * 7 * D, 96], [2 * 7 * D, 97], [2 * 5 * D, 98]].map(([n, seed]) => f32(n, seed));
      const fused = vi.spyOn(g, 'flashAttention');
      const tq = tensor(q, [2, 5, D], { device, requiresGrad: true });
      const out = scaledDotProductAttention(tq, tensor(k, [2, 7, D], { device }), tensor(v, [2, 7, D], { device }));
      out.mul(tensor(w, [2, 5, D], { device })).sum().backward();
      expect(fused).not.toHaveBeenCalled();
      fused.mockRestore();
      const ref = flashReference(q, k, v, w, null, c, 1 / Math.sqrt(D));
      expect(maxRelError(await out.data(), ref.out, 1)).toBeLessThan(1e-5);
      expect(scaledError(await tq.grad!.data(), ref.dq)).toBeLessThan(1e-4);
    });
  });
}
