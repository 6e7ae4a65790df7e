import { Generator, checkOptions, option, randn, type Tensor } from '@loraflow/tensor-core';
import { FlowSamplersError } from '../flow-samplers-error.js';
import { ancestralFraction, reinjectNoise } from './noise-reinjection.js';
import { validateSigmas, type SamplerOptions } from './sampler-options.js';
import type { VelocityModel } from './velocity-model.js';

/** Evaluates the model's velocity at (x, sigma); the result is owned by the caller. */
export type Evaluate = (x: Tensor, sigma: number) => Promise<Tensor>;

/** One solver step from sigma to sigmaNext; must not dispose `x`, returns new tensors the loop owns. */
export type SolverStep = (
  x: Tensor,
  sigma: number,
  sigmaNext: number,
  step: number,
  evaluate: Evaluate,
  wantDenoised: boolean,
) => Promise<{ x: Tensor; denoised: Tensor | null }>;

/**
 * Drives a solver over a sigma list: owns and disposes every intermediate sample, applies optional
 * noise re-injection and reports each step. The input `x` is never disposed; the result is a new tensor.
 */
export async function runSampler<C>(
  name: string,
  model: VelocityModel<C>,
  x: Tensor,
  options: SamplerOptions<C>,
  solver: SolverStep,
): Promise<Tensor> {
  checkOptions(name, options, { sigmas: option.any, cond: option.any, callback: option.function, noise: option.object, signal: option.object }, (m) => new FlowSamplersError(m));
  const eta = options?.noise?.eta;
  if (options?.noise && !(typeof eta === 'number' && eta >= 0 && eta <= 1)) throw new FlowSamplersError(`${name}: noise.eta must be in [0, 1], got ${eta}`);
  checkOptions(`${name} noise`, options.noise, { eta: option.number({ min: 0, max: 1 }), type: option.oneOf(['ancestral', 'replace']), seed: option.integer(), generator: option.object }, (m) => new FlowSamplersError(m));
  const { sigmas, cond, callback, noise, signal } = options;
  validateSigmas(name, sigmas);
  const generator = noise && noise.eta > 0 ? (noise.generator ?? new Generator(noise.seed ?? 0)) : null;
  const evaluate: Evaluate = async (xi, sigma) => model(xi, sigma, cond as C);
  const totalSteps = sigmas.length - 1;

  let current = x;
  for (let i = 0; i < totalSteps; i++) {
    signal?.throwIfAborted();
    const sigma = sigmas[i];
    const sigmaNext = sigmas[i + 1];
    const step = await solver(current, sigma, sigmaNext, i, evaluate, callback !== undefined);
    let next = step.x;
    if (generator && sigmaNext > 0) {
      const z = randn(next.shape, { generator, device: next.device });
      const fraction = noise!.type === 'replace' ? noise!.eta : noise!.eta * ancestralFraction(sigma, sigmaNext);
      const renoised = reinjectNoise(current, next, sigma, sigmaNext, fraction, z);
      z.dispose();
      next.dispose();
      next = renoised;
    }
    if (current !== x) current.dispose();
    current = next;
    try {
      if (callback) await callback({ step: i, totalSteps, sigma, sigmaNext, x: current, denoised: step.denoised! });
    } finally {
      step.denoised?.dispose();
    }
  }
  return current;
}
