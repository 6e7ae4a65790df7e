import { tidy, type Tensor } from '@loraflow/tensor-core';

/**
 * Fraction of the noise an ancestral step from s to sNext redraws: sigma_post / sNext, where for the flow
 * path x_s = (1 - s) x0 + s eps the forward posterior q(x_sNext | x_s, x0) has
 * sigma_post^2 = sNext^2 (1 - ((1 - s) sNext / ((1 - sNext) s))^2).
 */
export function ancestralFraction(s: number, sNext: number): number {
  const ratio = ((1 - s) * sNext) / ((1 - sNext) * s);
  return Math.sqrt(Math.max(0, 1 - ratio * ratio));
}

/**
 * Re-noises a finished step xPrev (at s) -> xNext (at sNext): the step's implied clean sample and noise,
 * x0 = xPrev - s d and eps = xPrev + (1 - s) d with d = (xNext - xPrev) / (sNext - s), are recombined as
 * (1 - sNext) x0 + sNext (sqrt(1 - f^2) eps + f z). Written as a*xPrev + b*xNext + c*z so it costs three
 * scaled adds; with f = 0 it returns xNext exactly (a = 0, b = 1).
 */
export function reinjectNoise(xPrev: Tensor, xNext: Tensor, s: number, sNext: number, fraction: number, z: Tensor): Tensor {
  const h = sNext - s;
  const keep = Math.sqrt(1 - fraction * fraction);
  const a = (1 - sNext) * (1 + s / h) + sNext * keep * (1 - (1 - s) / h);
  const b = (-(1 - sNext) * s) / h + (sNext * keep * (1 - s)) / h;
  const c = sNext * fraction;
  return tidy(() => xPrev.mul(a).add(xNext.mul(b)).add(z.mul(c)));
}
