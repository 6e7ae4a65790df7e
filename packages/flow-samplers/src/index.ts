export { FlowSamplersError } from './flow-samplers-error.js';
export { FLOW_MATCH_EULER_DEFAULTS, QWEN_IMAGE_SCHEDULER_CONFIG, type FlowMatchSchedulerConfig } from './scheduler-config.js';
export { shiftSigma, shiftSigmas, timeShiftSigma, timeShiftSigmas, muForImageSeqLen, stretchToTerminal } from './time-shift.js';
export { linearSigmas, flowMatchEulerSchedule, customSchedule, type SigmaSchedule, type FlowMatchScheduleOptions } from './sigma-schedule.js';
export { qwenImageSeqLen, qwenImageSchedule, type QwenImageSchedule, type QwenImageScheduleOptions } from './qwen-image-schedule.js';
export { heunExpandedSchedule, flowMatchHeunSchedule } from './heun-schedule.js';
