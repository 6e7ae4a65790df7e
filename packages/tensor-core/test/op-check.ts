import { expect } from 'vitest';
import { tensor, type Device, type Tensor } from '@loraflow/tensor-core';
import { maxRelError, randomValues } from './reference.js';

/** One op under test: how to run it on tensors and how to compute it in float64. */
export interface OpCase {
  name: string;
  shapes: number[][];
  run: (xs: Tensor[]) => Tensor;
  ref: (xs: Float64Array[]) => Float64Array;
  /** Draw positive inputs (log, sqrt, pow bases...). */
  positive?: boolean[];
  /** Inputs that are not differentiated (indices, masks). */
  noGrad?: boolean[];
  /** Forward tolerance (relative, f32). */
  tol?: number;
  /** Magnitude below which errors are judged absolutely (sums of many terms cancel to small values). */
  floor?: number;
  /** Gradient tolerance (relative to the f64 finite difference). */
  gradTol?: number;
  seed?: number;
  /** Skip the gradient check (for ops without gradients). */
  forwardOnly?: boolean;
}

/** Rounds to f32 so the reference sees exactly the inputs the kernel sees. */
function asF32(v: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(v));
}

/**
 * Checks forward values against the float64 reference, then gradients: autograd of sum(op(x) * w)
 * for random weights w against central differences of the float64 reference (h = 1e-6).
 */
export async function checkOp(c: OpCase, device: Device): Promise<void> {
  const seed = c.seed ?? 1;
  const inputs = c.shapes.map((s, i) => asF32(randomValues(s.reduce((a, b) => a * b, 1), seed * 101 + i, { positive: c.positive?.[i] })));
  const ts = inputs.map((v, i) => tensor(Float32Array.from(v), c.shapes[i], { device, requiresGrad: !c.forwardOnly && !c.noGrad?.[i] }));
  const y = c.run(ts);
  const expected = c.ref(inputs);
  const actual = await y.data();
  expect(y.size, `${c.name}: output size`).toBe(expected.length);
  const tol = c.tol ?? 1e-5;
  expect(maxRelError(actual, expected, c.floor), `${c.name} forward on ${device.kind}`).toBeLessThan(tol);
  if (c.forwardOnly) return;
  const w = asF32(randomValues(expected.length, seed * 7 + 3));
  const loss = y.mul(tensor(Float32Array.from(w), y.shape, { device })).sum();
  loss.backward();
  const h = 1e-6;
  for (let i = 0; i < inputs.length; i++) {
    if (c.noGrad?.[i]) continue;
    const x = inputs[i];
    const numeric = new Float64Array(x.length);
    const f = () => c.ref(inputs).reduce((s, v, j) => s + v * w[j], 0);
    for (let j = 0; j < x.length; j++) {
      const old = x[j];
      x[j] = old + h;
      const fp = f();
      x[j] = old - h;
      const fm = f();
      x[j] = old;
      numeric[j] = (fp - fm) / (2 * h);
    }
    const grad = ts[i].grad;
    expect(grad, `${c.name}: input ${i} has a gradient`).not.toBeNull();
    expect(maxRelError(await grad!.data(), numeric, 1e-2), `${c.name} grad of input ${i} on ${device.kind}`).toBeLessThan(c.gradTol ?? 2e-4);
  }
}
