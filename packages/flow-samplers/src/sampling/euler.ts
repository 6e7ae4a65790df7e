import { tidy, type Tensor } from '@loraflow/tensor-core';
import { runSampler } from './sampling-loop.js';
import type { SamplerOptions } from './sampler-options.js';
import type { VelocityModel } from './velocity-model.js';

/** Euler sampling, x += (sigmaNext - sigma) * v, as diffusers' FlowMatchEulerDiscreteScheduler.step (one model call per step). */
export function sampleEuler<C>(model: VelocityModel<C>, x: Tensor, options: SamplerOptions<C>): Promise<Tensor> {
  return runSampler('sampleEuler', model, x, options, async (xi, sigma, sigmaNext, _step, evaluate, wantDenoised) => {
    const v = await evaluate(xi, sigma);
    const out = tidy(() => ({
      x: xi.add(v.mul(sigmaNext - sigma)),
      denoised: wantDenoised ? xi.sub(v.mul(sigma)) : null,
    }));
    v.dispose();
    return out;
  });
}
