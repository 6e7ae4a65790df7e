/** Configuration of a flow-matching Euler scheduler, named after diffusers' FlowMatchEulerDiscreteScheduler config keys (camelCase). */
export interface FlowMatchSchedulerConfig {
  /** Training timesteps; model timesteps are sigma * numTrainTimesteps. */
  numTrainTimesteps: number;
  /** Static shift s' = shift*s / (1 + (shift-1)*s), used when dynamic shifting is off. */
  shift: number;
  /** Resolution-dependent shift: mu from the image sequence length replaces the static shift. */
  useDynamicShifting: boolean;
  /** mu at baseImageSeqLen. */
  baseShift: number;
  /** mu at maxImageSeqLen. */
  maxShift: number;
  /** Image tokens at which mu = baseShift. */
  baseImageSeqLen: number;
  /** Image tokens at which mu = maxShift. */
  maxImageSeqLen: number;
  /** Stretch the shifted schedule so its last non-zero sigma equals this value; null or 0 = off. */
  shiftTerminal: number | null;
  /** How mu shifts sigmas: exponential e^mu / (e^mu + 1/s - 1), or linear mu / (mu + 1/s - 1). */
  timeShiftType: 'exponential' | 'linear';
}

/** diffusers' FlowMatchEulerDiscreteScheduler constructor defaults. */
export const FLOW_MATCH_EULER_DEFAULTS: Readonly<FlowMatchSchedulerConfig> = Object.freeze({
  numTrainTimesteps: 1000,
  shift: 1.0,
  useDynamicShifting: false,
  baseShift: 0.5,
  maxShift: 1.15,
  baseImageSeqLen: 256,
  maxImageSeqLen: 4096,
  shiftTerminal: null,
  timeShiftType: 'exponential',
} satisfies FlowMatchSchedulerConfig);

/** The scheduler config shipped with Qwen-Image (Qwen/Qwen-Image scheduler_config.json). */
export const QWEN_IMAGE_SCHEDULER_CONFIG: Readonly<FlowMatchSchedulerConfig> = Object.freeze({
  numTrainTimesteps: 1000,
  shift: 1.0,
  useDynamicShifting: true,
  baseShift: 0.5,
  maxShift: 0.9,
  baseImageSeqLen: 256,
  maxImageSeqLen: 8192,
  shiftTerminal: 0.02,
  timeShiftType: 'exponential',
} satisfies FlowMatchSchedulerConfig);
