import { FlowSamplersError } from '../flow-samplers-error.js';
import type { FlowMatchSchedulerConfig } from './scheduler-config.js';

/** Static shift of one sigma: shift*s / (1 + (shift-1)*s) (SD3's discrete flow shift). */
export function shiftSigma(sigma: number, shift: number): number {
  return (shift * sigma) / (1 + (shift - 1) * sigma);
}

/** Static shift applied to every sigma. */
export function shiftSigmas(sigmas: ArrayLike<number>, shift: number): number[] {
  if (!(shift > 0)) throw new FlowSamplersError(`shiftSigmas: shift must be > 0, got ${shift}`);
  return Array.from(sigmas, (s) => shiftSigma(s, shift));
}

/** Resolution-dependent time shift of one sigma (diffusers' time_shift with sigma exponent 1). */
export function timeShiftSigma(sigma: number, mu: number, type: 'exponential' | 'linear' = 'exponential'): number {
  // 1/s - 1 is infinite at s = 0; the limit of both shifts there is 0, which IEEE division already gives.
  const odds = 1 / sigma - 1;
  if (type === 'exponential') {
    const e = Math.exp(mu);
    return e / (e + odds);
  }
  return mu / (mu + odds);
}

/** Resolution-dependent time shift applied to every sigma. */
export function timeShiftSigmas(sigmas: ArrayLike<number>, mu: number, type: 'exponential' | 'linear' = 'exponential'): number[] {
  if (type === 'linear' && !(mu > 0)) throw new FlowSamplersError(`timeShiftSigmas: linear time shift needs mu > 0, got ${mu}`);
  return Array.from(sigmas, (s) => timeShiftSigma(s, mu, type));
}

/** mu for an image sequence length: the line through (baseImageSeqLen, baseShift) and (maxImageSeqLen, maxShift) (diffusers' calculate_shift). */
export function muForImageSeqLen(
  imageSeqLen: number,
  config: Pick<FlowMatchSchedulerConfig, 'baseImageSeqLen' | 'maxImageSeqLen' | 'baseShift' | 'maxShift'>,
): number {
  const m = (config.maxShift - config.baseShift) / (config.maxImageSeqLen - config.baseImageSeqLen);
  const b = config.baseShift - m * config.baseImageSeqLen;
  return imageSeqLen * m + b;
}

/** Stretch a shifted schedule so that its last value equals `terminal` while sigma 1 stays 1 (diffusers' stretch_shift_to_terminal). */
export function stretchToTerminal(sigmas: ArrayLike<number>, terminal: number): number[] {
  if (!(terminal >= 0 && terminal < 1)) throw new FlowSamplersError(`stretchToTerminal: shiftTerminal must be in [0, 1), got ${terminal}`);
  if (sigmas.length === 0) return [];
  const last = 1 - sigmas[sigmas.length - 1];
  if (last === 0) throw new FlowSamplersError('stretchToTerminal: the last sigma is 1, so the schedule cannot be stretched');
  const scale = last / (1 - terminal);
  return Array.from(sigmas, (s) => 1 - (1 - s) / scale);
}
