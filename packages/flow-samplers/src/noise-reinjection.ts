import { tidy, type Tensor } from '@loraflow/tensor-core';

/**
 * Re-noises a finished step xPrev (at s) -> xNext (at sNext): the step's implied clean sample and noise,
 * x0 = xPrev - s d and eps = xPrev + (1 - s) d with d = (xNext - xPrev) / (sNext - s), are recombined as
 * (1 - sNext) x0 + sNext (sqrt(1 - eta^2) eps + eta z). Written as a*xPrev + b*xNext + c*z so it costs
 * three scaled adds; with eta = 0 it returns xNext exactly (a = 0, b = 1).
 */
export function reinjectNoise(xPrev: Tensor, xNext: Tensor, s: number, sNext: number, eta: number, z: Tensor): Tensor {
  const h = sNext - s;
  const keep = Math.sqrt(1 - eta * eta);
  const a = (1 - sNext) * (1 + s / h) + sNext * keep * (1 - (1 - s) / h);
  const b = (-(1 - sNext) * s) / h + (sNext * keep * (1 - s)) / h;
  const c = sNext * eta;
  return tidy(() => xPrev.mul(a).add(xNext.mul(b)).add(z.mul(c)));
}
