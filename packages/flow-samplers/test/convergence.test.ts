import { randn, tensor, tidy, type Tensor } from '@loraflow/tensor-core';
import { describe, expect, it } from 'vitest';
import { sampleDpmSolver2M, sampleEuler, sampleHeun, sampleMidpoint, type SamplerOptions, type VelocityModel } from '@loraflow/flow-samplers';
import { gaussianFlow, maxAbsDiff } from './gaussian-flow.js';

type Sampler = (model: VelocityModel<unknown>, x: Tensor, o: SamplerOptions<unknown>) => Promise<Tensor>;

// The logistic ODE dx/ds = x (1 - x), integrated from s0 = 0.95 down to 0.05 (the direction samplers
// run), has the solution x(s) = 1 / (1 + ((1 - a) / a) e^{-(s - s0)}) for x(s0) = a.
const start = [0.2, 0.45, 0.7, 1.3, -0.3];
const logistic: VelocityModel<unknown> = (x) => tidy(() => x.mul(x.neg().add(1)));
const exactLogistic = (a: number, s0: number, s: number) => 1 / (1 + ((1 - a) / a) * Math.exp(-(s - s0)));
const grid = (n: number) => Array.from({ length: n + 1 }, (_, i) => 0.95 - (0.9 * i) / n);

async function globalError(sampler: Sampler, steps: number): Promise<number> {
  const x = tensor(start, [start.length]);
  const out = await sampler(logistic, x, { sigmas: grid(steps) });
  const err = maxAbsDiff(await out.data(), start.map((a) => exactLogistic(a, 0.95, 0.05)));
  out.dispose();
  x.dispose();
  return err;
}

// Observed order p = log2(e(N) / e(2N)) for N = 32 -> 64 -> 128. The smallest error measured (~1e-4)
// is far above the float32 round-off accumulated over 128 steps (~1e-5 at worst), so the ratios
// measure truncation error.
async function observedOrders(sampler: Sampler): Promise<number[]> {
  const errors = [];
  for (const n of [32, 64, 128]) errors.push(await globalError(sampler, n));
  return [Math.log2(errors[0] / errors[1]), Math.log2(errors[1] / errors[2])];
}

describe('convergence order by halving the step on dx/ds = x (1 - x)', () => {
  it('euler is first order', async () => {
    for (const p of await observedOrders(sampleEuler)) {
      expect(p).toBeGreaterThan(0.85);
      expect(p).toBeLessThan(1.15);
    }
  });

  for (const [name, sampler] of [
    ['heun', sampleHeun],
    ['midpoint', sampleMidpoint],
    ['dpm-solver++(2M)', sampleDpmSolver2M],
  ] as const) {
    it(`${name} is second order`, async () => {
      for (const p of await observedOrders(sampler as Sampler)) {
        expect(p).toBeGreaterThan(1.75);
        expect(p).toBeLessThan(2.3);
      }
    });
  }
});

describe('full 1 -> 0 schedules on an exact Gaussian flow', () => {
  // Random means and data scales (never zero); the data is narrower than the noise, as latents are.
  const m = [0.7, -1.3, 0.25, 1.9, -0.6, 0.45];
  const c = [0.35, 0.5, 0.8, 0.3, 0.6, 0.45];

  for (const [name, sampler, tol] of [
    // 64 uniform steps: first-order error ~1e-2, second-order ~1e-4 (measured 3e-5 .. 1e-3 across methods).
    ['euler', sampleEuler, 5e-2],
    ['heun', sampleHeun, 2e-3],
    ['midpoint', sampleMidpoint, 2e-3],
    ['dpm-solver++(2M)', sampleDpmSolver2M, 2e-3],
  ] as const) {
    it(`${name} maps noise to the exact ODE endpoint`, async () => {
      const flow = gaussianFlow(m, c);
      const z = randn([m.length], { seed: 8 });
      const sigmas = [...Array.from({ length: 64 }, (_, i) => 1 - i / 64), 0];
      const out = await (sampler as Sampler)(flow.model, z, { sigmas });
      expect(maxAbsDiff(await out.data(), flow.exact(await z.data(), 0))).toBeLessThan(tol);
      out.dispose();
      z.dispose();
    });
  }
});
