import type { Generator } from '@loraflow/tensor-core';
import { FlowSamplersError } from './flow-samplers-error.js';
import type { StepCallback } from './velocity-model.js';

/**
 * Stochastic sampling by noise re-injection after every step that does not end at sigma 0:
 * the step's result is split into its implied clean sample x0 and noise eps (x = (1 - s) x0 + s eps),
 * and eps is replaced by sqrt(1 - eta^2) eps + eta z with fresh Gaussian z. eta = 0 is the ODE;
 * eta = 1 with Euler is diffusers' FlowMatchEulerDiscreteScheduler(stochastic_sampling=True).
 */
export interface NoiseReinjection {
  /** Fraction of the noise replaced each step, in [0, 1]. */
  eta: number;
  /** Seed of the noise stream (used when no generator is given). */
  seed?: number;
  /** tensor-core generator to draw from; continues its stream. */
  generator?: Generator;
}

/** Options shared by all samplers. */
export interface SamplerOptions<C = unknown> {
  /** Sigmas from the first noise level down to the last (usually ending with 0), e.g. a schedule's `sigmas`. */
  sigmas: ArrayLike<number>;
  /** Conditioning passed through to the model. */
  cond?: C;
  /** Called after every step with the step index, sigmas, sample and predicted x0. */
  callback?: StepCallback;
  /** Optional stochastic noise re-injection; omitted = deterministic ODE sampling. */
  noise?: NoiseReinjection;
  /** Stops sampling between steps (throws the signal's reason). */
  signal?: AbortSignal;
}

/** Checks a sigma list: at least two values, each in [0, 1], strictly decreasing. */
export function validateSigmas(name: string, sigmas: ArrayLike<number>): void {
  if (sigmas.length < 2) throw new FlowSamplersError(`${name}: sigmas needs at least 2 values (start and end), got ${sigmas.length}`);
  for (let i = 0; i < sigmas.length; i++) {
    const s = sigmas[i];
    if (!(s >= 0 && s <= 1)) throw new FlowSamplersError(`${name}: sigmas[${i}] = ${s}, expected a value in [0, 1]`);
    if (i > 0 && !(s < sigmas[i - 1])) {
      throw new FlowSamplersError(`${name}: sigmas must strictly decrease, sigmas[${i}] = ${s} after ${sigmas[i - 1]}`);
    }
  }
}
