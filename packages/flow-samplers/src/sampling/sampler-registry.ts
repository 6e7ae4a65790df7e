import type { Tensor } from '@loraflow/tensor-core';
import { sampleDpmSolver2M } from './dpm-solver-2m.js';
import { sampleEuler } from './euler.js';
import { sampleHeun } from './heun.js';
import { sampleMidpoint } from './midpoint.js';
import type { SamplerOptions } from './sampler-options.js';
import type { VelocityModel } from './velocity-model.js';

/** A sampler function: model, starting noise and options in, final sample out. */
export type Sampler = <C>(model: VelocityModel<C>, x: Tensor, options: SamplerOptions<C>) => Promise<Tensor>;

/** Samplers by the names a CLI or config file uses. */
export const SAMPLERS = Object.freeze({
  euler: sampleEuler,
  heun: sampleHeun,
  midpoint: sampleMidpoint,
  'dpmpp-2m': sampleDpmSolver2M,
} satisfies Record<string, Sampler>);

/** A key of {@link SAMPLERS}. */
export type SamplerName = keyof typeof SAMPLERS;

/** Model calls a sampler makes for a sigma list (Heun skips the second call on the interval ending at 0); doubles under active CFG. */
export function modelCallsFor(name: SamplerName, sigmas: ArrayLike<number>): number {
  const steps = sigmas.length - 1;
  switch (name) {
    case 'heun':
      return 2 * steps - (sigmas[sigmas.length - 1] === 0 ? 1 : 0);
    case 'midpoint':
      return 2 * steps;
    default:
      return steps;
  }
}
