import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';

describe('optimizers', () => {
  it('AdamW matches the torch.optim.AdamW update written out in float64', async () => {
    const init = [0.5, -1.2, 2.0];
    const grads = [[0.1, -0.3, 0.7], [0.2, 0.1, -0.4], [-0.5, 0.6, 0.05]];
    const p = new tc.Parameter(tc.tensor(init));
    const opt = new tc.AdamW([p], { lr: 0.01, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1 });
    const ref = [...init];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    for (let t = 1; t <= grads.length; t++) {
      p.grad = tc.keep(tc.tensor(grads[t - 1]));
      opt.step();
      opt.zeroGrad();
      for (let i = 0; i < 3; i++) {
        ref[i] *= 1 - 0.01 * 0.1;
        m[i] = 0.9 * m[i] + 0.1 * grads[t - 1][i];
        v[i] = 0.99 * v[i] + 0.01 * grads[t - 1][i] ** 2;
        const mh = m[i] / (1 - 0.9 ** t);
        const vh = v[i] / (1 - 0.99 ** t);
        ref[i] -= (0.01 * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
    const got = await p.data();
    ref.forEach((r, i) => expect(Math.abs(got[i] - r)).toBeLessThan(1e-6));
  });

  it('EMA tracks decay * shadow + (1 - decay) * p', async () => {
    const p = new tc.Parameter(tc.tensor([1, 2]));
    const ema = new tc.EMA([p], 0.9);
    p.assign(tc.tensor([3, 4]));
    ema.update();
    expect(Array.from(await ema.averages()[0].data()).map((v) => +v.toFixed(5))).toEqual([1.2, 2.2]);
    ema.copyTo();
    expect(Array.from(await p.data()).map((v) => +v.toFixed(5))).toEqual([1.2, 2.2]);
  });

  it('clipGradNorm scales gradients to the max norm and returns the original norm', async () => {
    const a = new tc.Parameter(tc.tensor([3, 0]));
    const b = new tc.Parameter(tc.tensor([0, 4]));
    a.grad = tc.keep(tc.tensor([3, 0]));
    b.grad = tc.keep(tc.tensor([0, 4]));
    const norm = tc.clipGradNorm([a, b], 1);
    expect(await norm.item()).toBeCloseTo(5, 5);
    expect(Array.from(await a.grad!.data())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(await b.grad!.data())[1]).toBeCloseTo(0.8, 5);
  });

  it('LR schedules: warm-up then cosine to the floor', () => {
    const s = tc.cosineSchedule(100, 10, 0.1);
    expect(s(0)).toBeCloseTo(0.1);
    expect(s(9)).toBeCloseTo(1);
    expect(s(10)).toBeCloseTo(1);
    expect(s(55)).toBeCloseTo(0.55);
    expect(s(100)).toBeCloseTo(0.1);
    expect(tc.linearWarmupSchedule(4)(1)).toBeCloseTo(0.5);
  });

  it('1,000 optimizer steps leave memory flat (no tensor leak)', () => {
    const lin = new tc.Linear(16, 16, { generator: new tc.Generator(1) });
    const x = tc.randn([8, 16], { seed: 2 });
    const opt = new tc.AdamW(lin.parameters(), { lr: 1e-3 });
    const ema = new tc.EMA(lin.parameters(), 0.99);
    const step = () =>
      tc.tidy(() => {
        const y = lin.forward(x).square().mean();
        y.backward();
        tc.clipGradNorm(lin.parameters(), 1).dispose();
        opt.step();
        opt.zeroGrad();
        ema.update();
      });
    for (let i = 0; i < 10; i++) step();
    const before = tc.liveTensorCount();
    for (let i = 0; i < 1000; i++) step();
    expect(tc.liveTensorCount()).toBe(before);
    expect(opt.steps).toBe(1010);
  });
});

describe('autograd and tidy', () => {
  it('backward on a loss whose graph was disposed by tidy fails loudly instead of dropping gradients', () => {
    const p = new tc.Parameter(tc.randn([2, 3], { seed: 1 }));
    const loss = tc.tidy(() => p.mul(2).square().mean());
    expect(() => loss.backward()).toThrow(/was disposed.*same tidy scope/);
  });

  it('backward inside the tidy that built the graph reaches the parameters', async () => {
    const p = new tc.Parameter(tc.tensor([1, -2]));
    tc.tidy(() => p.mul(3).square().sum().backward());
    expect(Array.from(await p.grad!.data())).toEqual([18, -36]);
  });
});

describe('AdamW options', () => {
  const p = () => [new tc.Parameter(tc.tensor([1, 2]))];
  const refuses = (call: () => unknown, pattern: RegExp) => {
    expect(call).toThrow(tc.TensorError);
    expect(call).toThrow(pattern);
  };

  it('refuses bad options with a TensorError naming the option', () => {
    refuses(() => new tc.AdamW(p(), { learningRate: 1 } as never), /AdamW: unknown option "learningRate"; expected one of lr, betas, eps, weightDecay/);
    refuses(() => new tc.AdamW(p(), { lr: Number.NaN }), /AdamW: option "lr" is NaN, expected a number >= 0/);
    refuses(() => new tc.AdamW(p(), { eps: 0 }), /option "eps" is 0, expected a number > 0/);
    refuses(() => new tc.AdamW(p(), { betas: [0.9, 1] }), /option "betas" is \[0.9, 1\], expected two numbers >= 0 < 1/);
    refuses(() => new tc.AdamW(p(), { betas: 0.9 } as never), /option "betas" is 0.9, expected an array/);
    refuses(() => new tc.AdamW(p(), '1e-3' as never), /AdamW: options must be an object.*got "1e-3"/);
  });

  it('keeps valid options', () => {
    const opt = new tc.AdamW(p(), { lr: 0.01, betas: [0.8, 0.99], weightDecay: 0 });
    expect([opt.lr, opt.betas, opt.eps, opt.weightDecay]).toEqual([0.01, [0.8, 0.99], 1e-8, 0]);
  });
});
