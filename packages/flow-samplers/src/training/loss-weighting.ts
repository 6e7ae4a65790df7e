import { FlowSamplersError } from '../flow-samplers-error.js';

/**
 * Per-sample loss weight as a function of sigma:
 * - `none`: 1.
 * - `sigma_sqrt`: sigma^-2 (diffusers' compute_loss_weighting_for_sd3).
 * - `cosmap`: 2 / (pi * (1 - 2 sigma + 2 sigma^2)) (same source).
 * - `bell`: ai-toolkit's bell-shaped, mean-normalised weighting over the 1000 training timesteps,
 *   exp(-2 (x/1000 - 1/2)^2) shifted to a minimum of 0 and scaled to mean 1, with x = 1000 (1 - sigma).
 */
export type LossWeighting = 'none' | 'sigma_sqrt' | 'cosmap' | 'bell';

const BELL_STEPS = 1000;
const bellRaw = (x: number) => Math.exp(-2 * ((x - BELL_STEPS / 2) / BELL_STEPS) ** 2);
// The minimum over x = 0..999 sits at x = 0; the mean is over the same grid, as ai-toolkit builds its table.
const BELL_MIN = bellRaw(0);
const BELL_MEAN = (() => {
  let sum = 0;
  for (let x = 0; x < BELL_STEPS; x++) sum += bellRaw(x) - BELL_MIN;
  return sum / BELL_STEPS;
})();

/** Loss weight for one sigma under a weighting scheme. */
export function lossWeight(sigma: number, scheme: LossWeighting): number {
  switch (scheme) {
    case 'none':
      return 1;
    case 'sigma_sqrt':
      return sigma ** -2;
    case 'cosmap':
      return 2 / (Math.PI * (1 - 2 * sigma + 2 * sigma * sigma));
    case 'bell':
      return (bellRaw(BELL_STEPS * (1 - sigma)) - BELL_MIN) / BELL_MEAN;
    default:
      throw new FlowSamplersError(`lossWeight: unknown weighting scheme ${JSON.stringify(scheme)}, expected none | sigma_sqrt | cosmap | bell`);
  }
}

/** Loss weights for a batch of sigmas. */
export function lossWeights(sigmas: ArrayLike<number>, scheme: LossWeighting): number[] {
  return Array.from(sigmas, (s) => lossWeight(s, scheme));
}
