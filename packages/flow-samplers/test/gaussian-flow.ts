import { tensor, tidy, type Tensor } from '@loraflow/tensor-core';
import type { VelocityModel } from '@loraflow/flow-samplers';

/**
 * Exact flow-matching velocity for data x0 ~ N(m, c^2) per element and noise eps ~ N(0, 1), on the path
 * x = (1 - s) x0 + s eps: with var(s) = (1 - s)^2 c^2 + s^2 and r = x - (1 - s) m,
 * v = E[eps - x0 | x] = r (s - (1 - s) c^2) / var - m. The ODE solution from x(1) = z is
 * x(s) = (1 - s) m + sqrt(var(s)) z, so every sampler can be checked against it.
 */
export interface GaussianFlow {
  model: VelocityModel<unknown>;
  exact(z: ArrayLike<number>, sigma: number): number[];
  calls: () => number;
}

export function gaussianFlow(m: number[], c: number[]): GaussianFlow {
  const mT = tensor(m, [m.length]);
  const c2 = c.map((v) => v * v);
  let calls = 0;
  const model: VelocityModel<unknown> = (x: Tensor, s: number) => {
    calls++;
    // The per-element coefficient is computed in float64 and uploaded, so the only float32 rounding is in x.
    const coef = c2.map((q) => (s - (1 - s) * q) / ((1 - s) ** 2 * q + s * s));
    return tidy(() => {
      const k = tensor(coef, [coef.length]);
      return x.sub(mT.mul(1 - s)).mul(k).sub(mT);
    });
  };
  const exact = (z: ArrayLike<number>, s: number) =>
    Array.from(z, (zi, i) => (1 - s) * m[i] + Math.sqrt((1 - s) ** 2 * c2[i] + s * s) * zi);
  return { model, exact, calls: () => calls };
}

/** Largest absolute difference between two arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
