import { checkOptions, option, type OptionRule } from '@loraflow/tensor-core';
import { FlowSamplersError } from '../flow-samplers-error.js';

/** Rules for the fields of FlowMatchSchedulerConfig (shiftTerminal may be null, so it is checked where used). */
export const SCHEDULER_CONFIG_RULES: Readonly<Record<string, OptionRule>> = {
  numTrainTimesteps: option.integer({ min: 1 }), shift: option.number({ above: 0 }), useDynamicShifting: option.boolean, baseShift: option.number(),
  maxShift: option.number(), baseImageSeqLen: option.integer({ min: 1 }), maxImageSeqLen: option.integer({ min: 1 }), shiftTerminal: option.any,
  timeShiftType: option.oneOf(['exponential', 'linear']),
};

/** Checks a schedule function's options with FlowSamplersError messages naming the option (see tensor-core's checkOptions). */
export function checkScheduleOptions(where: string, options: unknown, rules: Readonly<Record<string, OptionRule>>): void {
  checkOptions(where, options, rules, (m) => new FlowSamplersError(m));
}
