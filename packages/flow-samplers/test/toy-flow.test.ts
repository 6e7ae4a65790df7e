import { randn, type Tensor } from '@loraflow/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  qwenImageSchedule,
  sampleDpmSolver2M,
  sampleEuler,
  sampleHeun,
  sampleMidpoint,
  type SamplerOptions,
  type VelocityModel,
} from '@loraflow/flow-samplers';
import { componentStats, mixtureFlow } from './mixture-flow.js';

type Sampler = (model: VelocityModel<unknown>, x: Tensor, o: SamplerOptions<unknown>) => Promise<Tensor>;

const mu = [[-2.5, 0.2], [2.1, 1.6], [0.4, -2.6]];
const pi = [0.5, 0.3, 0.2];
const c = 0.3;
const N = 4000;

// Tolerances: the share of a component has standard error sqrt(p(1-p)/N) <= 0.008 at N = 4000, so 0.035
// is > 4 standard errors; per-component means have standard error c/sqrt(Np) <= 0.01, allowed 0.06; the
// std is allowed 15% for the discretisation error of 30 steps near sigma = 0, where the flow contracts.
// Ancestral sampling converges more slowly (measured std 0.25 / 0.27 / 0.28 for Euler at 30 / 60 / 120
// steps), so the stochastic runs use 120 steps.
async function expectOnTarget(sampler: Sampler, options: Partial<SamplerOptions<unknown>> = {}, steps = 30) {
  const { sigmas } = qwenImageSchedule({ width: 1024, height: 1024, steps });
  const noise = randn([N, 2], { seed: 21 });
  const out = await sampler(mixtureFlow(mu, pi, c), noise, { sigmas, ...options });
  const stats = componentStats(await out.data(), mu);
  out.dispose();
  noise.dispose();
  stats.forEach((st, k) => {
    expect(Math.abs(st.share - pi[k])).toBeLessThan(0.035);
    expect(Math.hypot(st.mean[0] - mu[k][0], st.mean[1] - mu[k][1])).toBeLessThan(0.06);
    for (const sd of st.std) expect(Math.abs(sd - c)).toBeLessThan(0.15 * c);
  });
}

describe('sampling a 2-D Gaussian-mixture flow with its exact velocity lands on the mixture', () => {
  it('euler', () => expectOnTarget(sampleEuler));
  it('heun', () => expectOnTarget(sampleHeun));
  it('midpoint', () => expectOnTarget(sampleMidpoint));
  it('dpm-solver++(2M)', () => expectOnTarget(sampleDpmSolver2M));
  it('euler with ancestral noise re-injection (eta 1)', () => expectOnTarget(sampleEuler, { noise: { eta: 1, seed: 5 } }, 120));
  it('heun with ancestral noise re-injection (eta 0.5)', () => expectOnTarget(sampleHeun, { noise: { eta: 0.5, seed: 6 } }, 120));
  it('dpm-solver++(2M) with ancestral noise re-injection (eta 1)', () => expectOnTarget(sampleDpmSolver2M, { noise: { eta: 1, seed: 7 } }, 120));
});
