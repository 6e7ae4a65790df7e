import { randn, tensor, tidy, type Tensor } from '@loraflow/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  cfgCombine,
  FlowSamplersError,
  guidedModel,
  normRescaledCfg,
  sampleEuler,
  type ModelCall,
  type VelocityModel,
} from '@loraflow/flow-samplers';
import { maxAbsDiff } from './gaussian-flow.js';

const f64 = async (t: Tensor) => Array.from(await t.data());

// float32 inputs, float64 references: a few roundings per element -> ~1e-6 relative on O(1) values.
const TOL = 1e-5;

describe('cfg formulas', () => {
  it('plain CFG is neg + s (pos - neg)', async () => {
    const pos = randn([2, 5, 4], { seed: 1 });
    const neg = randn([2, 5, 4], { seed: 2 });
    const [p, n] = [await f64(pos), await f64(neg)];
    const out = await f64(cfgCombine(pos, neg, 4.5));
    expect(maxAbsDiff(out, p.map((pi, i) => n[i] + 4.5 * (pi - n[i])))).toBeLessThan(TOL);
  });

  it('norm-rescaled CFG on [B, tokens, C] rescales each token to the positive norm over channels', async () => {
    const [B, T, C] = [2, 5, 4];
    const pos = randn([B, T, C], { seed: 3 });
    const neg = randn([B, T, C], { seed: 4 });
    const [p, n] = [await f64(pos), await f64(neg)];
    const s = 4;
    const ref = new Array<number>(B * T * C);
    for (let tok = 0; tok < B * T; tok++) {
      const comb = Array.from({ length: C }, (_, c) => n[tok * C + c] + s * (p[tok * C + c] - n[tok * C + c]));
      const pn = Math.hypot(...Array.from({ length: C }, (_, c) => p[tok * C + c]));
      const cn = Math.hypot(...comb);
      comb.forEach((v, c) => (ref[tok * C + c] = (v * pn) / cn));
    }
    const out = normRescaledCfg(pos, neg, s);
    expect(out.shape).toEqual([B, T, C]);
    expect(maxAbsDiff(await f64(out), ref)).toBeLessThan(TOL);
  });

  it('norm-rescaled CFG on [B, C, H, W] with axes [1] rescales per pixel over channels', async () => {
    const [B, C, H, W] = [2, 3, 2, 3];
    const pos = randn([B, C, H, W], { seed: 5 });
    const neg = randn([B, C, H, W], { seed: 6 });
    const [p, n] = [await f64(pos), await f64(neg)];
    const s = 2.5;
    const idx = (b: number, c: number, hw: number) => (b * C + c) * H * W + hw;
    const ref = new Array<number>(B * C * H * W);
    for (let b = 0; b < B; b++) {
      for (let hw = 0; hw < H * W; hw++) {
        let pn = 0;
        let cn = 0;
        for (let c = 0; c < C; c++) {
          const i = idx(b, c, hw);
          pn += p[i] ** 2;
          cn += (n[i] + s * (p[i] - n[i])) ** 2;
        }
        for (let c = 0; c < C; c++) {
          const i = idx(b, c, hw);
          ref[i] = ((n[i] + s * (p[i] - n[i])) * Math.sqrt(pn)) / Math.sqrt(cn);
        }
      }
    }
    expect(maxAbsDiff(await f64(normRescaledCfg(pos, neg, s, [1])), ref)).toBeLessThan(TOL);
  });
});

// A conditional toy model: v = cond * x + sigma, recording every call's branch, LoRA scale and sigma.
function branchModel() {
  const calls: (ModelCall & { sigma: number; cond: number })[] = [];
  const model: VelocityModel<number> = (x, sigma, cond, call) => {
    calls.push({ branch: call!.branch, loraScale: call!.loraScale, sigma, cond });
    // The LoRA multiplier changes the output, as a real LoRA would.
    return tidy(() => x.mul(cond * call!.loraScale).add(sigma));
  };
  return { model, calls };
}

describe('guidedModel', () => {
  const xs = [0.9, -1.4, 0.35, 2.2];

  it('calls pos and neg with their own LoRA scales and combines them (plain CFG)', async () => {
    const { model, calls } = branchModel();
    const g = guidedModel(model, { scale: 3, rescale: 'none', posLoraScale: 0.8, negLoraScale: 0 });
    const out = await f64(await g(tensor(xs, [4]), 0.6, { pos: 1.5, neg: -0.5 }));
    expect(calls.map((c) => [c.branch, c.loraScale, c.cond])).toEqual([['pos', 0.8, 1.5], ['neg', 0, -0.5]]);
    const ref = xs.map((x) => {
      const p = x * 1.5 * 0.8 + 0.6;
      const n = x * -0.5 * 0 + 0.6;
      return n + 3 * (p - n);
    });
    expect(maxAbsDiff(out, ref)).toBeLessThan(TOL);
  });

  it('makes one model call per evaluation when scale <= 1', async () => {
    const { model, calls } = branchModel();
    const g = guidedModel(model, { scale: 1 });
    const sigmas = [1, 0.75, 0.5, 0.25, 0];
    (await sampleEuler(g, tensor(xs, [4]), { sigmas, cond: { pos: 1.2, neg: 0.3 } })).dispose();
    expect(calls.length).toBe(4);
    expect(calls.every((c) => c.branch === 'pos')).toBe(true);
  });

  it('makes one call per evaluation without a negative prompt', async () => {
    const { model, calls } = branchModel();
    const g = guidedModel(model, { scale: 4 });
    (await sampleEuler(g, tensor(xs, [4]), { sigmas: [1, 0.5, 0], cond: { pos: 1.2 } })).dispose();
    expect(calls.length).toBe(2);
  });

  it('guides only inside the sigma interval', async () => {
    const { model, calls } = branchModel();
    const g = guidedModel(model, { scale: 4, interval: [0.3, 0.8] });
    const sigmas = [1, 0.9, 0.8, 0.5, 0.3, 0.1, 0];
    (await sampleEuler(g, tensor(xs, [4]), { sigmas, cond: { pos: 1.2, neg: 0.3 } })).dispose();
    const negSigmas = calls.filter((c) => c.branch === 'neg').map((c) => c.sigma);
    expect(negSigmas).toEqual([0.8, 0.5, 0.3]);
    expect(calls.length).toBe(6 + 3);
  });

  it('defaults to Qwen-Image true CFG: norm-rescaled at scale 4', async () => {
    const { model } = branchModel();
    const x = tensor(xs, [1, 1, 4]);
    const out = await f64(await guidedModel(model)(x, 0.4, { pos: 1.1, neg: 0.2 }));
    const p = xs.map((v) => v * 1.1 + 0.4);
    const n = xs.map((v) => v * 0.2 + 0.4);
    const comb = p.map((pi, i) => n[i] + 4 * (pi - n[i]));
    const ratio = Math.hypot(...p) / Math.hypot(...comb);
    expect(maxAbsDiff(out, comb.map((v) => v * ratio))).toBeLessThan(TOL);
  });

  it('rejects an inverted interval and a cond without pos', async () => {
    const { model } = branchModel();
    expect(() => guidedModel(model, { interval: [0.8, 0.2] })).toThrow(FlowSamplersError);
    await expect(guidedModel(model)(tensor(xs, [4]), 0.5, 3 as never)).rejects.toThrow(/pos, neg/);
  });
});
