import type { Generator } from '@loraflow/tensor-core';
import { FlowSamplersError } from '../flow-samplers-error.js';
import type { StepCallback } from './velocity-model.js';

/**
 * Stochastic sampling by noise re-injection after every step that does not end at sigma 0. The step's
 * result is split into its implied clean sample x0 and noise eps (x = (1 - s) x0 + s eps) and a fraction f
 * of the noise is redrawn: x' = (1 - s') x0 + s' (sqrt(1 - f^2) eps + f z).
 * - `ancestral` (default): f = eta * sigma_post / s', with sigma_post the std of the forward-process posterior
 *   q(x_s' | x_s, x0) of the flow path (DDIM's eta: 1 = ancestral / DDPM-like, 0 = the ODE). The redrawn
 *   share shrinks with the step size, so it keeps the marginals of an exact model.
 * - `replace`: f = eta on every step; with eta = 1 and Euler this is diffusers'
 *   FlowMatchEulerDiscreteScheduler(stochastic_sampling=True), x' = (1 - s') x0 + s' z.
 */
export interface NoiseReinjection {
  /** Strength in [0, 1]; 0 is deterministic. */
  eta: number;
  /** How eta maps to the redrawn fraction per step; default 'ancestral'. */
  type?: 'ancestral' | 'replace';
  /** Seed of the noise stream (used when no generator is given; default 0). */
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
