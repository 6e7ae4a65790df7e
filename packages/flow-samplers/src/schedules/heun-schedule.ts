import { FlowSamplersError } from '../flow-samplers-error.js';
import { checkScheduleOptions, SCHEDULER_CONFIG_RULES } from './schedule-option-rules.js';
import { flowMatchEulerSchedule, type SigmaSchedule } from './sigma-schedule.js';

/** diffusers' FlowMatchHeunDiscreteScheduler tables for a plain schedule: sigmas [s0, s1, s1, ..., s_{n-1}, s_{n-1}, 0] and timesteps [t0, t1, t1, ..., t_{n-1}, t_{n-1}]. */
export function heunExpandedSchedule(schedule: SigmaSchedule): SigmaSchedule {
  const { sigmas, timesteps } = schedule;
  if (sigmas.length !== timesteps.length + 1) {
    throw new FlowSamplersError(`heunExpandedSchedule: expected sigmas.length = timesteps.length + 1, got ${sigmas.length} and ${timesteps.length}`);
  }
  const outSigmas = [sigmas[0]];
  for (let i = 1; i < sigmas.length - 1; i++) outSigmas.push(sigmas[i], sigmas[i]);
  outSigmas.push(sigmas[sigmas.length - 1]);
  const outTimesteps = [timesteps[0]];
  for (let i = 1; i < timesteps.length; i++) outTimesteps.push(timesteps[i], timesteps[i]);
  return { sigmas: outSigmas, timesteps: outTimesteps };
}

/** The tables FlowMatchHeunDiscreteScheduler(shift).set_timesteps(steps) builds (static shift only, as in diffusers). */
export function flowMatchHeunSchedule(steps: number, options: { shift?: number; numTrainTimesteps?: number } = {}): SigmaSchedule {
  checkScheduleOptions('flowMatchHeunSchedule', options, { shift: SCHEDULER_CONFIG_RULES.shift, numTrainTimesteps: SCHEDULER_CONFIG_RULES.numTrainTimesteps });
  const base = flowMatchEulerSchedule({ steps, config: { shift: options.shift ?? 1, numTrainTimesteps: options.numTrainTimesteps ?? 1000 } });
  return heunExpandedSchedule(base);
}
