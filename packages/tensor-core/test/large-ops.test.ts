import { describe, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { DEVICES } from './backends.js';
import { checkOp } from './op-check.js';
import { erf64, softmaxRows64 } from './ref-math.js';

// Sizes above the CPU backend's WebAssembly thresholds (4096 elements), so the SIMD kernels are the
// ones under test there; other devices run the same checks on their own kernels.
const SHAPE = [64, 80];
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const C = Math.sqrt(2 / Math.PI);

function rows64(x: Float64Array, cols: number, f: (row: Float64Array) => Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / cols; r++) out.set(f(x.slice(r * cols, (r + 1) * cols)), r * cols);
  return out;
}

for (const device of DEVICES) {
  describe(`large activations and row ops on ${device.kind}`, () => {
    const tol = device.kind === 'cpu' ? 1e-5 : 3e-5;
    const unary: [string, (t: tc.Tensor) => tc.Tensor, (x: number) => number][] = [
      ['exp', tc.exp, Math.exp],
      ['tanh', tc.tanh, Math.tanh],
      ['sigmoid', tc.sigmoid, sig],
      ['silu', tc.silu, (x) => x * sig(x)],
      ['gelu', (t) => tc.gelu(t), (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2))],
      ['gelu tanh', (t) => tc.gelu(t, 'tanh'), (x) => 0.5 * x * (1 + Math.tanh(C * (x + 0.044715 * x ** 3)))],
    ];
    for (const [name, fn, ref] of unary) {
      it(`${name} over ${SHAPE[0] * SHAPE[1]} values`, async () => {
        await checkOp({ name, shapes: [SHAPE], run: ([x]) => fn(x.mul(3)), ref: ([x]) => x.map((v) => ref(3 * v)), tol }, device);
      });
    }
    it('softmax rows', async () => {
      await checkOp({ name: 'softmax', shapes: [SHAPE], run: ([x]) => tc.softmax(x.mul(4)), ref: ([x]) => softmaxRows64(x.map((v) => 4 * v), SHAPE[1]), tol }, device);
    });
    it('layer norm and RMS norm rows', async () => {
      const norm = (center: boolean) => (row: Float64Array) => {
        const mean = center ? row.reduce((a, b) => a + b, 0) / row.length : 0;
        const rstd = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length + 1e-5);
        return row.map((v) => (v - mean) * rstd);
      };
      await checkOp({ name: 'layerNorm', shapes: [SHAPE], run: ([x]) => tc.layerNorm(x, [SHAPE[1]], null, null, 1e-5), ref: ([x]) => rows64(x, SHAPE[1], norm(true)), tol, gradTol: 5e-4 }, device);
      await checkOp({ name: 'rmsNorm', shapes: [SHAPE], run: ([x]) => tc.rmsNorm(x, null, 1e-5), ref: ([x]) => rows64(x, SHAPE[1], norm(false)), tol, gradTol: 5e-4 }, device);
    });
  });
}
