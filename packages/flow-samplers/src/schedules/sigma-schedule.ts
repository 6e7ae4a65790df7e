import { option } from '@loraflow/tensor-core';
import { FlowSamplersError } from '../flow-samplers-error.js';
import { linspace } from './linspace.js';
import { checkScheduleOptions, SCHEDULER_CONFIG_RULES } from './schedule-option-rules.js';
import { FLOW_MATCH_EULER_DEFAULTS, type FlowMatchSchedulerConfig } from './scheduler-config.js';
import { muForImageSeqLen, shiftSigma, shiftSigmas, stretchToTerminal, timeShiftSigmas } from './time-shift.js';

/** A sampling schedule: `sigmas` has one entry per step plus the terminal 0; `timesteps` = sigma * numTrainTimesteps, one per step. */
export interface SigmaSchedule {
  sigmas: number[];
  timesteps: number[];
}

/** Options of {@link flowMatchEulerSchedule}, mirroring diffusers' `set_timesteps(num_inference_steps, sigmas, mu)`. */
export interface FlowMatchScheduleOptions {
  /** Number of sampling steps; may be omitted when `sigmas` is given. */
  steps?: number;
  /** Custom sigmas before shifting (e.g. {@link linearSigmas}); replaces the default linspace. */
  sigmas?: ArrayLike<number>;
  /** Dynamic-shift parameter; computed from `imageSeqLen` when omitted. */
  mu?: number;
  /** Image tokens (latent patches) of the image being sampled, for dynamic shifting. */
  imageSeqLen?: number;
  /** Scheduler config; unspecified keys take diffusers' defaults. */
  config?: Partial<FlowMatchSchedulerConfig>;
}

/** Qwen-Image pipeline's unshifted sigmas: linspace(1, 1/N, N). */
export function linearSigmas(steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1) throw new FlowSamplersError(`linearSigmas: steps must be a positive integer, got ${steps}`);
  return linspace(1, 1 / steps, steps);
}

/** The sigma schedule diffusers' FlowMatchEulerDiscreteScheduler.set_timesteps produces (static or dynamic shift, terminal stretch, custom sigmas), in float64. */
export function flowMatchEulerSchedule(options: FlowMatchScheduleOptions): SigmaSchedule {
  if (options === undefined) throw new FlowSamplersError('flowMatchEulerSchedule: options are missing, expected an object with steps or sigmas');
  checkScheduleOptions('flowMatchEulerSchedule', options, { steps: option.integer({ min: 1 }), sigmas: option.object, mu: option.number(), imageSeqLen: option.integer({ min: 1 }), config: option.object });
  checkScheduleOptions('flowMatchEulerSchedule config', options.config, SCHEDULER_CONFIG_RULES);
  const config: FlowMatchSchedulerConfig = { ...FLOW_MATCH_EULER_DEFAULTS, ...options.config };
  const n = config.numTrainTimesteps;
  let base: number[];
  if (options.sigmas !== undefined) {
    if (options.steps !== undefined && options.steps !== options.sigmas.length) {
      throw new FlowSamplersError(`flowMatchEulerSchedule: steps is ${options.steps} but ${options.sigmas.length} sigmas were given`);
    }
    base = Array.from(options.sigmas);
    for (const s of base) {
      if (!(s > 0 && s <= 1)) throw new FlowSamplersError(`flowMatchEulerSchedule: custom sigmas must lie in (0, 1], got ${s}`);
    }
  } else {
    const steps = options.steps;
    if (steps === undefined || !Number.isInteger(steps) || steps < 1) {
      throw new FlowSamplersError(`flowMatchEulerSchedule: steps must be a positive integer when no sigmas are given, got ${steps}`);
    }
    // diffusers' constructor already shifts its training table when dynamic shifting is off, and
    // set_timesteps shifts the linspace between those endpoints again; the end sigma is shifted twice.
    const sigmaMin = config.useDynamicShifting ? 1 / n : shiftSigma(1 / n, config.shift);
    base = linspace(1, sigmaMin, steps);
  }

  let shifted: number[];
  if (config.useDynamicShifting) {
    let mu = options.mu;
    if (mu === undefined && options.imageSeqLen !== undefined) mu = muForImageSeqLen(options.imageSeqLen, config);
    if (mu === undefined) throw new FlowSamplersError('flowMatchEulerSchedule: useDynamicShifting needs mu or imageSeqLen');
    shifted = timeShiftSigmas(base, mu, config.timeShiftType);
  } else {
    shifted = shiftSigmas(base, config.shift);
  }
  if (config.shiftTerminal) shifted = stretchToTerminal(shifted, config.shiftTerminal);

  return { sigmas: [...shifted, 0], timesteps: shifted.map((s) => s * n) };
}

/** A schedule from an explicit sigma list (descending, in [0, 1]); a terminal 0 is appended unless the list already ends at 0. */
export function customSchedule(sigmas: ArrayLike<number>, numTrainTimesteps = 1000): SigmaSchedule {
  const list = Array.from(sigmas);
  if (list.length === 0) throw new FlowSamplersError('customSchedule: sigmas is empty');
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    if (!(s >= 0 && s <= 1)) throw new FlowSamplersError(`customSchedule: sigmas[${i}] = ${s}, expected a value in [0, 1]`);
    if (i > 0 && !(s < list[i - 1])) throw new FlowSamplersError(`customSchedule: sigmas must strictly decrease, sigmas[${i}] = ${s} after ${list[i - 1]}`);
  }
  const withEnd = list[list.length - 1] === 0 ? list : [...list, 0];
  return { sigmas: withEnd, timesteps: withEnd.slice(0, -1).map((s) => s * numTrainTimesteps) };
}
