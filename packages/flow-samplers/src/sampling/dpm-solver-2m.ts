import { tidy, type Tensor } from '@loraflow/tensor-core';
import { runSampler } from './sampling-loop.js';
import type { SamplerOptions } from './sampler-options.js';
import type { VelocityModel } from './velocity-model.js';

// Half log-SNR of the flow path x = (1 - s) x0 + s eps: lambda = log((1 - s) / s); -inf at s = 1, +inf at s = 0.
const lambda = (s: number) => Math.log((1 - s) / s);

/**
 * DPM-Solver++(2M) in data-prediction form for flow models (alpha = 1 - s, sigma = s): one model call per
 * step, second order from the previous step's x0 prediction. The first step, any step after sigma 1 and
 * the final step to sigma 0 are first order (the latter returns the x0 prediction, like diffusers'
 * lower_order_final); a first-order step is exactly an Euler step.
 */
export function sampleDpmSolver2M<C>(model: VelocityModel<C>, x: Tensor, options: SamplerOptions<C>): Promise<Tensor> {
  let prevDenoised: Tensor | null = null;
  let prevH = Number.NaN;
  const run = runSampler('sampleDpmSolver2M', model, x, options, async (xi, sigma, sigmaNext, _step, evaluate, wantDenoised) => {
    const v = await evaluate(xi, sigma);
    const denoised = tidy(() => xi.sub(v.mul(sigma)));
    v.dispose();
    const h = lambda(sigmaNext) - lambda(sigma);
    // x_next = (s_next / s) x - (1 - s_next) * expm1(-h) * D; at s = 1 the first factor is s_next, at s_next = 0 it is 0.
    const ratio = sigmaNext / sigma;
    const coef = -(1 - sigmaNext) * Math.expm1(-h);
    const secondOrder = prevDenoised !== null && Number.isFinite(prevH) && Number.isFinite(h) && prevH > 0;
    // The 2M extrapolation D' = (1 + 1/2r) D_i - (1/2r) D_{i-1}, folded into the update's coefficients.
    const next = tidy(() => {
      if (!secondOrder) return xi.mul(ratio).add(denoised.mul(coef));
      const k = 1 / (2 * (prevH / h));
      return xi.mul(ratio).add(denoised.mul(coef * (1 + k))).sub(prevDenoised!.mul(coef * k));
    });
    prevDenoised?.dispose();
    prevDenoised = denoised;
    prevH = h;
    return { x: next, denoised: wantDenoised ? tidy(() => denoised.add(0)) : null };
  });
  return run.finally(() => prevDenoised?.dispose());
}
