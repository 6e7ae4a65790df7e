import { tidy, type Tensor } from '@loraflow/tensor-core';
import { runSampler } from './sampling-loop.js';
import type { SamplerOptions } from './sampler-options.js';
import type { VelocityModel } from './velocity-model.js';

/** Explicit midpoint method (second-order Runge-Kutta): the velocity at the half step sets the full step; two model calls per step. */
export function sampleMidpoint<C>(model: VelocityModel<C>, x: Tensor, options: SamplerOptions<C>): Promise<Tensor> {
  return runSampler('sampleMidpoint', model, x, options, async (xi, sigma, sigmaNext, _step, evaluate, wantDenoised) => {
    const dt = sigmaNext - sigma;
    const v1 = await evaluate(xi, sigma);
    const denoised = wantDenoised ? tidy(() => xi.sub(v1.mul(sigma))) : null;
    const half = tidy(() => xi.add(v1.mul(dt / 2)));
    v1.dispose();
    const v2 = await evaluate(half, sigma + dt / 2);
    half.dispose();
    const next = tidy(() => xi.add(v2.mul(dt)));
    v2.dispose();
    return { x: next, denoised };
  });
}
