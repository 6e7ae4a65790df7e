import { Generator, tensor, type Device, type Tensor } from '@loraflow/tensor-core';

/** Random f64 values away from zero (|v| in [0.1, 1.1]) so relative errors are meaningful. */
export function randomValues(n: number, seed: number, opts: { positive?: boolean } = {}): Float64Array {
  const g = new Generator(seed);
  const u = g.uniform(2 * n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const mag = 0.1 + u[i];
    out[i] = opts.positive || u[n + i] < 0.5 ? mag : -mag;
  }
  return out;
}

/** An f32 tensor on `device` holding `values` (which are also returned rounded to f32 for references). */
export function randomTensor(shape: number[], seed: number, device: Device, opts: { positive?: boolean; requiresGrad?: boolean } = {}): { t: Tensor; v: Float64Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float64Array.from(Float32Array.from(randomValues(n, seed, opts)));
  return { t: tensor(Float32Array.from(v), shape, { device, requiresGrad: opts.requiresGrad }), v };
}

/** Max relative error |a-b| / max(|b|, floor) over all elements; floor avoids blow-ups near zero. */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-3): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

/** Row-major strides. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Central finite differences of a scalar f64 function at `x` (in place, restored), for gradient checks.
 * h = 1e-3 on f32 forward passes gives ~1e-3 relative agreement, which the checks allow.
 */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-4): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const old = x[i];
    x[i] = old + h;
    const fp = f(x);
    x[i] = old - h;
    const fm = f(x);
    x[i] = old;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** n uniform values in [0, 1) from a seeded xorshift32 stream (the seed 0 acts as 1). */
export function xorshiftUnits(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 32;
  }
  return out;
}

/** Seeded f32 values in ±[0.1, 1.1] from a xorshift stream: never zero, so every product contributes and errors are visible. */
export function randomF32(n: number, seed: number): Float32Array {
  return Float32Array.from(xorshiftUnits(n, seed), (u) => (u < 0.5 ? -1 : 1) * (0.1 + 2 * Math.abs(u - 0.5)));
}
