import { option } from '@loraflow/tensor-core';
import { FlowSamplersError } from '../flow-samplers-error.js';
import { checkScheduleOptions } from './schedule-option-rules.js';
import { QWEN_IMAGE_SCHEDULER_CONFIG } from './scheduler-config.js';
import { flowMatchEulerSchedule, linearSigmas, type SigmaSchedule } from './sigma-schedule.js';
import { muForImageSeqLen } from './time-shift.js';

/** Options of {@link qwenImageSchedule}. */
export interface QwenImageScheduleOptions {
  /** Image width in pixels. */
  width: number;
  /** Image height in pixels. */
  height: number;
  /** Sampling steps (QwenImagePipeline's num_inference_steps, default 50). */
  steps?: number;
  /** Custom unshifted sigmas, as the pipeline's `sigmas` argument; default linspace(1, 1/N, N). */
  sigmas?: ArrayLike<number>;
}

/** A Qwen-Image schedule with the mu and token count it was derived from. */
export interface QwenImageSchedule extends SigmaSchedule {
  mu: number;
  imageSeqLen: number;
}

/** Packed latent tokens of a Qwen-Image image: one token per 16x16 pixels (VAE x8, 2x2 patches). */
export function qwenImageSeqLen(width: number, height: number): number {
  if (!(width >= 16 && height >= 16)) throw new FlowSamplersError(`qwenImageSeqLen: width and height must be >= 16 pixels, got ${width}x${height}`);
  return Math.floor(height / 16) * Math.floor(width / 16);
}

/** The sigma schedule QwenImagePipeline runs for a size and step count (equals diffusers' FlowMatchEulerDiscreteScheduler with the Qwen-Image config). */
export function qwenImageSchedule(options: QwenImageScheduleOptions): QwenImageSchedule {
  checkScheduleOptions('qwenImageSchedule', options, { width: option.number({ min: 16 }), height: option.number({ min: 16 }), steps: option.integer({ min: 1 }), sigmas: option.object });
  for (const key of ['width', 'height'] as const) {
    if (options?.[key] === undefined) throw new FlowSamplersError(`qwenImageSchedule: option "${key}" is missing, expected a number >= 16`);
  }
  const steps = options.steps ?? options.sigmas?.length ?? 50;
  const imageSeqLen = qwenImageSeqLen(options.width, options.height);
  const mu = muForImageSeqLen(imageSeqLen, QWEN_IMAGE_SCHEDULER_CONFIG);
  const sigmas = options.sigmas ?? linearSigmas(steps);
  const schedule = flowMatchEulerSchedule({ steps, sigmas, mu, config: QWEN_IMAGE_SCHEDULER_CONFIG });
  return { ...schedule, mu, imageSeqLen };
}
