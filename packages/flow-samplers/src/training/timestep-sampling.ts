import { FlowSamplersError } from '../flow-samplers-error.js';
import { normalQuantile } from './normal-quantile.js';
import { QWEN_IMAGE_SCHEDULER_CONFIG } from '../schedules/scheduler-config.js';
import { seededUniform } from '@loraflow/tensor-core';
import { muForImageSeqLen, shiftSigma } from '../schedules/time-shift.js';

/**
 * How training draws sigma (the noise level, 1 = pure noise). Names follow the trainers users know:
 * - `uniform`: U(0, 1) (musubi `uniform`).
 * - `sigmoid`: sigmoid(scale * N(0, 1)) (musubi `sigmoid` with sigmoid_scale; ai-toolkit `sigmoid` at scale 1).
 * - `logit-normal`: sigmoid(N(mean, std)) (SD3 / diffusers `logit_normal`).
 * - `mode`: diffusers' `mode` density with `scale` (SD3 "mode sampling with heavy tails").
 * - `shift`: sigmoid(scale * N(0, 1)) then the static shift (musubi `shift` with discrete_flow_shift).
 * - `qwen-shift`: as `shift` with shift = e^mu, mu from the image token count on Qwen-Image's line (musubi `qwen_shift`).
 * - `weighted`: uniform over the 1000 training timesteps t = 1000..1, sigma = t/1000 (ai-toolkit `weighted`,
 *   which pairs it with a per-timestep loss weight; see {@link lossWeight} `bell`).
 */
export type TimestepSampling =
  | { kind: 'uniform' }
  | { kind: 'sigmoid'; scale?: number }
  | { kind: 'logit-normal'; mean?: number; std?: number }
  | { kind: 'mode'; scale?: number }
  | { kind: 'shift'; shift: number; sigmoidScale?: number }
  | { kind: 'qwen-shift'; imageSeqLen: number; sigmoidScale?: number }
  | { kind: 'weighted'; numTrainTimesteps?: number };

/** Range limits applied after sampling (musubi's min_timestep / max_timestep divided by 1000). */
export interface SigmaRange {
  /** Lowest sigma; default 0. */
  min?: number;
  /** Highest sigma; default 1. */
  max?: number;
}

// musubi clamps uniforms before its inverse normal CDF to keep the quantile finite.
const U_EPS = 1e-7;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const normalFromUniform = (u: number) => normalQuantile(Math.min(Math.max(u, U_EPS), 1 - U_EPS));

/** Maps one uniform number u in [0, 1) to a training sigma by inverse-CDF sampling; the same u always gives the same sigma. */
export function sigmaFromUniform(u: number, sampling: TimestepSampling, range: SigmaRange = {}): number {
  let s: number;
  switch (sampling.kind) {
    case 'uniform':
      s = u;
      break;
    case 'sigmoid':
      s = sigmoid((sampling.scale ?? 1) * normalFromUniform(u));
      break;
    case 'logit-normal':
      s = sigmoid((sampling.mean ?? 0) + (sampling.std ?? 1) * normalFromUniform(u));
      break;
    case 'mode': {
      // diffusers' compute_density_for_timestep_sampling('mode') gives t, which diffusers' scripts use as a
      // timestep index fraction, i.e. directly as sigma.
      const scale = sampling.scale ?? 1.29;
      s = 1 - u - scale * (Math.cos((Math.PI * u) / 2) ** 2 - 1 + u);
      break;
    }
    case 'shift':
      if (!(sampling.shift > 0)) throw new FlowSamplersError(`sigmaFromUniform: shift must be > 0, got ${sampling.shift}`);
      s = shiftSigma(sigmoid((sampling.sigmoidScale ?? 1) * normalFromUniform(u)), sampling.shift);
      break;
    case 'qwen-shift': {
      const mu = muForImageSeqLen(sampling.imageSeqLen, QWEN_IMAGE_SCHEDULER_CONFIG);
      s = shiftSigma(sigmoid((sampling.sigmoidScale ?? 1) * normalFromUniform(u)), Math.exp(mu));
      break;
    }
    case 'weighted': {
      const n = sampling.numTrainTimesteps ?? 1000;
      const index = Math.min(Math.floor(u * n), n - 1);
      s = (n - index) / n;
      break;
    }
    default:
      throw new FlowSamplersError(`sigmaFromUniform: unknown timestep sampling kind ${JSON.stringify((sampling as { kind: unknown }).kind)}`);
  }
  const lo = range.min ?? 0;
  const hi = range.max ?? 1;
  if (!(lo >= 0 && hi <= 1 && lo < hi)) throw new FlowSamplersError(`sigmaFromUniform: range must satisfy 0 <= min < max <= 1, got [${lo}, ${hi}]`);
  return s * (hi - lo) + lo;
}

/** Draws `count` training sigmas; `random` is a seed (deterministic) or a function returning uniforms in [0, 1). */
export function sampleTrainingSigmas(
  count: number,
  sampling: TimestepSampling,
  random: number | (() => number),
  range: SigmaRange = {},
): number[] {
  if (!Number.isInteger(count) || count < 0) throw new FlowSamplersError(`sampleTrainingSigmas: count must be a non-negative integer, got ${count}`);
  const next = typeof random === 'number' ? seededUniform(random) : random;
  return Array.from({ length: count }, () => sigmaFromUniform(next(), sampling, range));
}
