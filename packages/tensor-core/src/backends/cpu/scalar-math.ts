/** Scalar definitions of the elementwise kernels, shared by the CPU backend and test references. */

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below f32 resolution of 1 + erf). */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** GELU with the tanh approximation (PyTorch `approximate='tanh'`). */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/**
 * erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + |z| / 2): Numerical Recipes' Chebyshev fit, fractional
 * error < 1.2e-7 everywhere, so tails keep their relative accuracy where 1 - erf would cancel.
 */
export function erfc(z: number): number {
  const a = Math.abs(z);
  const t = 1 / (1 + 0.5 * a);
  const p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const y = t * Math.exp(p - a * a);
  return z < 0 ? 2 - y : y;
}

/** Exact GELU, x * Phi(x), with Phi(x) = erfc(-x / sqrt 2) / 2 so the negative tail keeps its relative accuracy. */
export function geluErf(x: number): number {
  return 0.5 * x * erfc(-x / Math.SQRT2);
}

/**
 * d/dx of the tanh-approximated GELU: s + x s (1 - s) 2u' with s = sigmoid(2u), u = sqrt(2/pi)(x + 0.044715 x^3).
 * 1 - s is taken as e s (e = exp(-2u), capped at e^80) so neither tail cancels or overflows.
 */
export function geluTanhGrad(x: number): number {
  const e = Math.exp(Math.min(80, -2 * SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
  const s = 1 / (1 + e);
  return s + x * (e * s * s) * 2 * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
}

/** d/dx of the exact GELU: Phi(x) + x phi(x). */
export function geluErfGrad(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** d/dx of SiLU: s (1 + x (1 - s)), s = sigmoid(x), with 1 - s = e s (e = exp(-x), capped at e^80). */
export function siluGrad(x: number): number {
  const e = Math.exp(Math.min(80, -x));
  const s = 1 / (1 + e);
  return s * (1 + x * e * s);
}

/** Numerically stable logistic sigmoid. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
