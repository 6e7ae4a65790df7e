import { describe, expect, it } from 'vitest';
import { Conv2d, Generator, Linear, noGrad, randn, type Tensor } from '@loraflow/tensor-core';
import { LoraConv2d, LoraLinear, adapterScale } from '../src/index.js';
import { conv2d64, finiteDiff, linear64, maxRelError } from './reference-math.js';

const f64 = async (t: Tensor) => Float64Array.from((await t.data()) as Float32Array);
const setRandom = (t: Tensor, seed: number, std = 0.5) => noGrad(() => t.assign(randn([...t.shape], { seed, std })));

// f32 forward over K <= 64 terms: ~K * 6e-8 relative; 1e-5 leaves room for the two chained products.
const F32_TOL = 1e-5;

describe('LoraLinear', () => {
  function setup(inF = 6, outF = 5, rank = 3, alpha = 1.5) {
    const base = new Linear(inF, outF, { generator: new Generator(1) });
    const lora = new LoraLinear(base, { rank, alpha, seed: 2 });
    setRandom(lora.factors().up.weight, 3);
    return { base, lora };
  }

  it('forward equals base + multiplier * alpha/rank * up(down(x)) on random 3-D input', async () => {
    const { lora } = setup();
    lora.setMultiplier(0.7);
    const x = randn([2, 4, 6], { seed: 4 });
    const y = lora.forward(x);
    expect(y.shape).toEqual([2, 4, 5]);
    const X = await f64(x);
    const { down, up } = lora.factors();
    const base = linear64(X, await f64(lora.weight), await f64(lora.bias!), 8, 6, 5);
    const h = linear64(X, await f64(down.weight), null, 8, 6, 3);
    const d = linear64(h, await f64(up.weight), null, 8, 3, 5);
    const ref = base.map((v, i) => v + 0.7 * 0.5 * d[i]);
    expect(maxRelError(await y.data(), ref)).toBeLessThan(F32_TOL);
  });

  it('a freshly initialised adapter (up = 0) leaves the output unchanged, and down is kaiming-uniform', async () => {
    const base = new Linear(16, 7, { generator: new Generator(5) });
    const x = randn([3, 16], { seed: 6 });
    const before = await base.forward(x).data();
    const lora = new LoraLinear(base, { rank: 4, seed: 9 });
    expect(Array.from(await lora.forward(x).data())).toEqual(Array.from(before));
    expect(Array.from(await lora.factors().up.weight.data()).every((v) => v === 0)).toBe(true);
    const down = await lora.factors().down.weight.data();
    const bound = 1 / Math.sqrt(16);
    expect(Math.max(...Array.from(down, Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(down, Math.abs))).toBeGreaterThan(bound * 0.5);
  });

  it('gradients into down, up and x match finite differences of the f64 reference', async () => {
    const { lora } = setup(4, 3, 2, 3);
    const x = randn([5, 4], { seed: 7 }).requiresGrad_();
    const w = randn([5, 3], { seed: 8 });
    lora.forward(x).tanh().mul(w).sum().backward();
    const { down, up } = lora.factors();
    const [X, W, B, A, U, Wt] = await Promise.all([f64(x), f64(lora.weight), f64(lora.bias!), f64(down.weight), f64(up.weight), f64(w)]);
    const loss = (xv: ArrayLike<number>, av: ArrayLike<number>, uv: ArrayLike<number>) => {
      const base = linear64(xv, W, B, 5, 4, 3);
      const d = linear64(linear64(xv, av, null, 5, 4, 2), uv, null, 5, 2, 3);
      return base.reduce((s, v, i) => s + Math.tanh(v + 1.5 * d[i]) * Wt[i], 0);
    };
    expect(maxRelError(await down.weight.grad!.data(), finiteDiff((p) => loss(X, p, U), A))).toBeLessThan(1e-4);
    expect(maxRelError(await up.weight.grad!.data(), finiteDiff((p) => loss(X, A, p), U))).toBeLessThan(1e-4);
    expect(maxRelError(await x.grad!.data(), finiteDiff((p) => loss(p, A, U), X))).toBeLessThan(1e-4);
  });

  it('several adapters add up, each with its own scale; disabling and multiplier 0 drop them', async () => {
    const { lora } = setup();
    lora.addAdapter('style', { rank: 2, alpha: 4, seed: 11 });
    setRandom(lora.factors('style').up.weight, 12);
    lora.setMultiplier(0.5, 'default');
    lora.setMultiplier(-1.2, 'style');
    const x = randn([3, 6], { seed: 13 });
    const X = await f64(x);
    const part = async (name: string, r: number) => {
      const { down, up } = lora.factors(name);
      return linear64(linear64(X, await f64(down.weight), null, 3, 6, r), await f64(up.weight), null, 3, r, 5);
    };
    const base = linear64(X, await f64(lora.weight), await f64(lora.bias!), 3, 6, 5);
    const d1 = await part('default', 3);
    const d2 = await part('style', 2);
    const ref = base.map((v, i) => v + 0.5 * 0.5 * d1[i] - 1.2 * 2 * d2[i]);
    expect(maxRelError(await lora.forward(x).data(), ref)).toBeLessThan(F32_TOL);
    lora.state('style').enabled = false;
    expect(maxRelError(await lora.forward(x).data(), base.map((v, i) => v + 0.25 * d1[i]))).toBeLessThan(F32_TOL);
    lora.setMultiplier(0);
    expect(maxRelError(await lora.forward(x).data(), base)).toBeLessThan(F32_TOL);
  });

  it('merge keeps the output and unmerge restores the weights within one f32 rounding each way', async () => {
    const { lora } = setup(12, 10, 4, 2);
    lora.setMultiplier(1.3);
    const x = randn([4, 12], { seed: 14 });
    const w0 = await f64(lora.weight);
    const before = await lora.forward(x).data();
    const delta = await f64(lora.deltaWeight());
    lora.merge();
    expect(lora.state().mergedScale).toBeCloseTo(1.3 * 0.5, 12);
    expect(maxRelError(await lora.forward(x).data(), before)).toBeLessThan(F32_TOL);
    const merged = await f64(lora.weight);
    expect(maxRelError(merged, w0.map((v, i) => v + delta[i]))).toBeLessThan(1e-7);
    lora.unmerge();
    const w1 = await f64(lora.weight);
    const u = 2 ** -24;
    for (let i = 0; i < w0.length; i++) expect(Math.abs(w1[i] - w0[i])).toBeLessThanOrEqual(2 * u * (Math.abs(w0[i]) + Math.abs(delta[i])) + 1e-30);
    expect(maxRelError(await lora.forward(x).data(), before)).toBeLessThan(F32_TOL);
  });

  it('eval mode ignores dropout, and rank dropout is unbiased in training', async () => {
    const { lora } = setup(6, 5, 8, 8);
    const s = lora.state();
    const x = randn([1, 6], { seed: 15 });
    const clean = await f64(lora.forward(x));
    s.dropout = 0.3;
    s.rankDropout = 0.5;
    s.moduleDropout = 0.2;
    lora.eval();
    expect(Array.from(await lora.forward(x).data())).toEqual(Array.from(clean, Math.fround));
    lora.train();
    s.dropout = 0;
    s.moduleDropout = 0;
    const base = await f64(lora.base.forward(x));
    const mean = new Float64Array(5);
    const N = 400;
    let differs = 0;
    for (let k = 0; k < N; k++) {
      const y = await lora.forward(x).data();
      if (maxRelError(y, clean) > 1e-3) differs++;
      for (let i = 0; i < 5; i++) mean[i] += (y[i] - base[i]) / N;
    }
    expect(differs).toBeGreaterThan(N / 2);
    // Var of the mean ~ (sum_r h_r^2 u_r^2)/N: within 0.15 of the clean LoRA part's scale for N = 400.
    expect(maxRelError(mean, clean.map((v, i) => v - base[i]))).toBeLessThan(0.15);
  });
});

describe('LoraConv2d', () => {
  for (const [stride, padding] of [[1, 1], [2, 1], [2, 0]] as const) {
    it(`forward equals base + scale * up(down(x)) for a 3x3 conv (stride ${stride}, padding ${padding})`, async () => {
      const base = new Conv2d(3, 4, 3, { stride, padding, generator: new Generator(21) });
      const lora = new LoraConv2d(base, { rank: 8, convRank: 2, convAlpha: 1, seed: 22 });
      expect(lora.state().rank).toBe(2);
      setRandom(lora.factors().up.weight, 23);
      const x = randn([2, 3, 7, 6], { seed: 24 });
      const y = lora.forward(x);
      const X = await f64(x);
      const { down, up } = lora.factors();
      const b = conv2d64(X, x.shape, await f64(lora.weight), lora.weight.shape, await f64(lora.bias!), stride, padding);
      const h = conv2d64(X, x.shape, await f64(down.weight), down.weight.shape, null, stride, padding);
      const d = conv2d64(h.y, h.shape, await f64(up.weight), up.weight.shape, null, 1, 0);
      expect(y.shape).toEqual(b.shape);
      expect(maxRelError(await y.data(), b.y.map((v, i) => v + 0.5 * d.y[i]))).toBeLessThan(F32_TOL);
    });
  }

  it('1x1 convs use the linear rank', () => {
    const lora = new LoraConv2d(new Conv2d(3, 4, 1), { rank: 6, convRank: 2 });
    expect(lora.state().rank).toBe(6);
    expect(lora.factors().down.weight.shape).toEqual([6, 3, 1, 1]);
  });

  it('gradients into the conv factors match finite differences', async () => {
    const base = new Conv2d(2, 3, 3, { stride: 2, padding: 1, generator: new Generator(31) });
    const lora = new LoraConv2d(base, { rank: 2, seed: 32 });
    setRandom(lora.factors().up.weight, 33);
    const x = randn([1, 2, 5, 5], { seed: 34 });
    const y = lora.forward(x);
    const w = randn([...y.shape], { seed: 35 });
    y.tanh().mul(w).sum().backward();
    const { down, up } = lora.factors();
    const [X, Wb, Bb, A, U, Wt] = await Promise.all([f64(x), f64(lora.weight), f64(lora.bias!), f64(down.weight), f64(up.weight), f64(w)]);
    const loss = (av: ArrayLike<number>, uv: ArrayLike<number>) => {
      const b = conv2d64(X, x.shape, Wb, lora.weight.shape, Bb, 2, 1);
      const h = conv2d64(X, x.shape, av, down.weight.shape, null, 2, 1);
      const d = conv2d64(h.y, h.shape, uv, up.weight.shape, null, 1, 0);
      return b.y.reduce((s, v, i) => s + Math.tanh(v + d.y[i]) * Wt[i], 0);
    };
    expect(maxRelError(await down.weight.grad!.data(), finiteDiff((p) => loss(p, U), A))).toBeLessThan(1e-4);
    expect(maxRelError(await up.weight.grad!.data(), finiteDiff((p) => loss(A, p), U))).toBeLessThan(1e-4);
  });

  it('merge/unmerge of a 3x3 conv keeps the output', async () => {
    const lora = new LoraConv2d(new Conv2d(3, 4, 3, { padding: 1, generator: new Generator(41) }), { rank: 2, alpha: 3, seed: 42 });
    setRandom(lora.factors().up.weight, 43);
    const x = randn([1, 3, 5, 5], { seed: 44 });
    const before = await lora.forward(x).data();
    lora.merge();
    expect(maxRelError(await lora.forward(x).data(), before)).toBeLessThan(F32_TOL);
    lora.unmerge();
    expect(maxRelError(await lora.forward(x).data(), before)).toBeLessThan(F32_TOL);
  });
});

describe('externally supplied factors (Image-to-LoRA)', () => {
  it('per-sample linear factors A [b, r, in], B [b, out, r] apply one LoRA per sample, with gradients into them', async () => {
    const base = new Linear(5, 4, { generator: new Generator(51) });
    const lora = new LoraLinear(base, { adapter: null });
    const b = 3;
    const A = randn([b, 2, 5], { seed: 52 }).requiresGrad_();
    const B = randn([b, 4, 2], { seed: 53 }).requiresGrad_();
    const x = randn([b, 6, 5], { seed: 54 });
    const y = lora.forward(x, { down: A, up: B, scale: 0.8 });
    const w = randn([b, 6, 4], { seed: 55 });
    y.mul(w).sum().backward();
    const [X, Wb, Bb, Av, Bv, Wt] = await Promise.all([f64(x), f64(lora.weight), f64(lora.bias!), f64(A), f64(B), f64(w)]);
    const forward = (av: ArrayLike<number>, bv: ArrayLike<number>) => {
      const out = new Float64Array(b * 6 * 4);
      for (let s = 0; s < b; s++) {
        const xs = X.subarray(s * 30, s * 30 + 30);
        const base64 = linear64(xs, Wb, Bb, 6, 5, 4);
        const d = linear64(linear64(xs, Array.from(av).slice(s * 10, s * 10 + 10), null, 6, 5, 2), Array.from(bv).slice(s * 8, s * 8 + 8), null, 6, 2, 4);
        out.set(base64.map((v, i) => v + 0.8 * d[i]), s * 24);
      }
      return out;
    };
    expect(maxRelError(await y.data(), forward(Av, Bv))).toBeLessThan(F32_TOL);
    const loss = (av: ArrayLike<number>, bv: ArrayLike<number>) => forward(av, bv).reduce((s, v, i) => s + v * Wt[i], 0);
    expect(maxRelError(await A.grad!.data(), finiteDiff((p) => loss(p, Bv), Av))).toBeLessThan(1e-4);
    expect(maxRelError(await B.grad!.data(), finiteDiff((p) => loss(Av, p), Bv))).toBeLessThan(1e-4);
  });

  it('shared 2-D factors and per-sample conv factors', async () => {
    const lin = new LoraLinear(new Linear(3, 2, { generator: new Generator(61) }), { adapter: null });
    const A = randn([2, 3], { seed: 62 });
    const B = randn([2, 2], { seed: 63 });
    const x = randn([4, 3], { seed: 64 });
    const X = await f64(x);
    const ref = linear64(X, await f64(lin.weight), await f64(lin.bias!), 4, 3, 2);
    const d = linear64(linear64(X, await f64(A), null, 4, 3, 2), await f64(B), null, 4, 2, 2);
    expect(maxRelError(await lin.forward(x, { down: A, up: B }).data(), ref.map((v, i) => v + d[i]))).toBeLessThan(F32_TOL);

    const conv = new LoraConv2d(new Conv2d(2, 3, 3, { padding: 1, stride: 2, generator: new Generator(65) }), { adapter: null });
    const b = 2;
    const Ac = randn([b, 2, 2, 3, 3], { seed: 66 });
    const Bc = randn([b, 3, 2], { seed: 67 });
    const xc = randn([b, 2, 5, 4], { seed: 68 });
    const y = await conv.forward(xc, { down: Ac, up: Bc }).data();
    const [XC, Wc, Bbc, AC, BC] = await Promise.all([f64(xc), f64(conv.weight), f64(conv.bias!), f64(Ac), f64(Bc)]);
    const per = 2 * 5 * 4;
    let at = 0;
    for (let s = 0; s < b; s++) {
      const xs = XC.subarray(s * per, (s + 1) * per);
      const base = conv2d64(xs, [1, 2, 5, 4], Wc, conv.weight.shape, Bbc, 2, 1);
      const h = conv2d64(xs, [1, 2, 5, 4], AC.subarray(s * 36, s * 36 + 36), [2, 2, 3, 3], null, 2, 1);
      const dd = conv2d64(h.y, h.shape, BC.subarray(s * 6, s * 6 + 6), [3, 2, 1, 1], null, 1, 0);
      const ref = base.y.map((v, i) => v + dd.y[i]);
      expect(maxRelError(y.subarray(at, at + ref.length), ref)).toBeLessThan(F32_TOL);
      at += ref.length;
    }
  });

  it('gradients flow into per-sample conv factors (finite differences)', async () => {
    const conv = new LoraConv2d(new Conv2d(2, 2, 3, { padding: 1, generator: new Generator(71) }), { adapter: null });
    const b = 2;
    const A = randn([b, 1, 2, 3, 3], { seed: 72 }).requiresGrad_();
    const B = randn([b, 2, 1], { seed: 73 }).requiresGrad_();
    const x = randn([b, 2, 4, 3], { seed: 74 });
    const y = conv.forward(x, { down: A, up: B, scale: 0.5 });
    const w = randn([...y.shape], { seed: 75 });
    y.mul(w).sum().backward();
    const [X, Wc, Bc, Av, Bv, Wt] = await Promise.all([f64(x), f64(conv.weight), f64(conv.bias!), f64(A), f64(B), f64(w)]);
    const loss = (av: Float64Array, bv: Float64Array) => {
      let total = 0;
      for (let s = 0; s < b; s++) {
        const xs = X.subarray(s * 24, (s + 1) * 24);
        const base = conv2d64(xs, [1, 2, 4, 3], Wc, [2, 2, 3, 3], Bc, 1, 1);
        const h = conv2d64(xs, [1, 2, 4, 3], av.subarray(s * 18, (s + 1) * 18), [1, 2, 3, 3], null, 1, 1);
        const d = conv2d64(h.y, h.shape, bv.subarray(s * 2, (s + 1) * 2), [2, 1, 1, 1], null, 1, 0);
        base.y.forEach((v, i) => (total += (v + 0.5 * d.y[i]) * Wt[s * 24 + i]));
      }
      return total;
    };
    expect(maxRelError(await A.grad!.data(), finiteDiff((p) => loss(p, Bv), Av))).toBeLessThan(1e-4);
    expect(maxRelError(await B.grad!.data(), finiteDiff((p) => loss(Av, p), Bv))).toBeLessThan(1e-4);
  });

  it('mismatched external factors name the shapes', () => {
    const lin = new LoraLinear(new Linear(3, 2), { adapter: null });
    expect(() => lin.forward(randn([4, 3]), { down: randn([2, 5]), up: randn([2, 2]) })).toThrow(/down \[2,5\] \/ up \[2,2\] do not fit a 3->2 linear/);
    expect(() => lin.forward(randn([4, 3]), { down: randn([3, 2, 3]), up: randn([3, 2, 2]) })).toThrow(/per-sample LoRA factors for 3 samples, but the input has shape \[4,3\]/);
  });
});

describe('adapter scale', () => {
  it('alpha defaults to rank (scale 1) and alpha 0 means rank', () => {
    const a = new LoraLinear(new Linear(3, 3), { rank: 4 });
    const b = new LoraLinear(new Linear(3, 3), { rank: 4, alpha: 0 });
    const c = new LoraLinear(new Linear(3, 3), { rank: 4, alpha: 1 });
    expect([adapterScale(a.state()), adapterScale(b.state()), adapterScale(c.state())]).toEqual([1, 1, 0.25]);
    expect(() => new LoraLinear(new Linear(3, 3), { rank: 0 })).toThrow(/rank must be a positive integer, got 0/);
    expect(() => new LoraLinear(new Linear(3, 3), { dropout: 1 })).toThrow(/dropout must be in \[0, 1\), got 1/);
  });
});
