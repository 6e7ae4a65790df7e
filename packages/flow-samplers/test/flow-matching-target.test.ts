import { randn, type Tensor } from '@loraflow/tensor-core';
import { describe, expect, it } from 'vitest';
import { FlowSamplersError, lossWeights, noisyInput, velocityTarget, weightedMseLoss } from '@loraflow/flow-samplers';
import { maxAbsDiff } from './gaussian-flow.js';

const f64 = async (t: Tensor) => Array.from(await t.data());
// A handful of float32 roundings on O(1) values.
const TOL = 1e-5;

describe('flow-matching training targets', () => {
  const shape = [3, 2, 4];
  const per = 8;
  const x0 = randn(shape, { seed: 31 });
  const noise = randn(shape, { seed: 32 });

  it('noisyInput is (1 - s) x0 + s noise with one sigma per batch entry', async () => {
    const sig = [0.15, 0.6, 0.93];
    const [a, n] = [await f64(x0), await f64(noise)];
    const ref = a.map((v, i) => (1 - sig[Math.floor(i / per)]) * v + sig[Math.floor(i / per)] * n[i]);
    expect(maxAbsDiff(await f64(noisyInput(x0, noise, sig)), ref)).toBeLessThan(TOL);
  });

  it('noisyInput with a scalar sigma and the velocity target noise - x0', async () => {
    const [a, n] = [await f64(x0), await f64(noise)];
    expect(maxAbsDiff(await f64(noisyInput(x0, noise, 0.37)), a.map((v, i) => 0.63 * v + 0.37 * n[i]))).toBeLessThan(TOL);
    expect(maxAbsDiff(await f64(velocityTarget(x0, noise)), a.map((v, i) => n[i] - v))).toBeLessThan(TOL);
  });

  it('the velocity target is the derivative of the interpolation in sigma', async () => {
    // Central difference of x_t(s) in s equals noise - x0 exactly for a linear path (up to float32 rounding / h).
    const h = 1e-2;
    const up = await f64(noisyInput(x0, noise, 0.5 + h));
    const down = await f64(noisyInput(x0, noise, 0.5 - h));
    const fd = up.map((u, i) => (u - down[i]) / (2 * h));
    expect(maxAbsDiff(fd, await f64(velocityTarget(x0, noise)))).toBeLessThan(1e-4);
  });

  it('weightedMseLoss is the mean of w_b (pred - target)^2', async () => {
    const w = lossWeights([0.2, 0.5, 0.8], 'cosmap');
    const [p, t] = [await f64(x0), await f64(noise)];
    const ref = p.reduce((acc, v, i) => acc + w[Math.floor(i / per)] * (v - t[i]) ** 2, 0) / p.length;
    expect(Math.abs((await weightedMseLoss(x0, noise, w).item()) - ref)).toBeLessThan(TOL * Math.abs(ref));
    const plain = p.reduce((acc, v, i) => acc + (v - t[i]) ** 2, 0) / p.length;
    expect(Math.abs((await weightedMseLoss(x0, noise).item()) - plain)).toBeLessThan(TOL * plain);
  });

  it('names the shapes when they do not match', () => {
    const other = randn([3, 2, 5], { seed: 1 });
    expect(() => velocityTarget(x0, other)).toThrow(/\[3,2,4\].*\[3,2,5\]/);
    expect(() => noisyInput(x0, noise, [0.1, 0.2])).toThrow(FlowSamplersError);
  });
});
