import { tidy, type Tensor } from '@loraflow/tensor-core';
import { runSampler } from './sampling-loop.js';
import type { SamplerOptions } from './sampler-options.js';
import type { VelocityModel } from './velocity-model.js';

/**
 * Heun's method as diffusers' FlowMatchHeunDiscreteScheduler runs it: an Euler predictor to sigmaNext,
 * a second velocity there, and the average of both; the interval that ends at sigma 0 is a plain Euler
 * step (the model is never evaluated at sigma 0). 2N - 1 model calls for N steps ending at 0.
 */
export function sampleHeun<C>(model: VelocityModel<C>, x: Tensor, options: SamplerOptions<C>): Promise<Tensor> {
  return runSampler('sampleHeun', model, x, options, async (xi, sigma, sigmaNext, _step, evaluate, wantDenoised) => {
    const dt = sigmaNext - sigma;
    const v1 = await evaluate(xi, sigma);
    const denoised = wantDenoised ? tidy(() => xi.sub(v1.mul(sigma))) : null;
    const predicted = tidy(() => xi.add(v1.mul(dt)));
    if (sigmaNext === 0) {
      v1.dispose();
      return { x: predicted, denoised };
    }
    const v2 = await evaluate(predicted, sigmaNext);
    const next = tidy(() => xi.add(v1.add(v2).mul(dt / 2)));
    v1.dispose();
    v2.dispose();
    predicted.dispose();
    return { x: next, denoised };
  });
}
