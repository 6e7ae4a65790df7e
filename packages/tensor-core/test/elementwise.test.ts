import { describe, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { DEVICES } from './backends.js';
import { checkOp, type OpCase } from './op-check.js';
import { binary64, erf64 } from './ref-math.js';

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const C = Math.sqrt(2 / Math.PI);

const unaryCases: [string, (t: tc.Tensor) => tc.Tensor, (x: number) => number, boolean?][] = [
  ['neg', tc.neg, (x) => -x],
  ['abs', tc.abs, Math.abs],
  ['exp', tc.exp, Math.exp],
  ['log', tc.log, Math.log, true],
  ['sqrt', tc.sqrt, Math.sqrt, true],
  ['rsqrt', tc.rsqrt, (x) => 1 / Math.sqrt(x), true],
  ['tanh', tc.tanh, Math.tanh],
  ['sigmoid', tc.sigmoid, sig],
  ['silu', tc.silu, (x) => x * sig(x)],
  ['relu', tc.relu, (x) => Math.max(x, 0)],
  ['gelu (erf)', (t) => tc.gelu(t), (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2))],
  ['gelu (tanh)', (t) => tc.gelu(t, 'tanh'), (x) => 0.5 * x * (1 + Math.tanh(C * (x + 0.044715 * x ** 3)))],
  ['square', tc.square, (x) => x * x],
  ['sin', tc.sin, Math.sin],
  ['cos', tc.cos, Math.cos],
  ['reciprocal', tc.reciprocal, (x) => 1 / x],
  ['erf', tc.erf, erf64],
];

const binaryCases: [string, (a: tc.Tensor, b: tc.Tensor) => tc.Tensor, (x: number, y: number) => number, boolean?][] = [
  ['add', tc.add, (x, y) => x + y],
  ['sub', tc.sub, (x, y) => x - y],
  ['mul', tc.mul, (x, y) => x * y],
  ['div', tc.div, (x, y) => x / y],
  ['pow', tc.pow, (x, y) => x ** y, true],
  ['maximum', tc.maximum, Math.max],
  ['minimum', tc.minimum, Math.min],
];

const broadcastPairs: [number[], number[]][] = [
  [[3, 4], [3, 4]],
  [[2, 3, 4], [4]],
  [[2, 1, 4], [3, 1]],
  [[5], []],
];

for (const device of DEVICES) {
  describe(`elementwise ops on ${device.kind}`, () => {
    // Transcendentals on GPUs are a few ulp off; the CPU computes them in f64 and rounds once.
    const tol = device.kind === 'cpu' ? 1e-6 : 2e-5;
    for (const [name, fn, ref, positive] of unaryCases) {
      it(`${name} matches float64 and its gradient matches finite differences`, async () => {
        const c: OpCase = { name, shapes: [[3, 7]], run: ([x]) => fn(x), ref: ([x]) => x.map(ref), positive: [positive ?? false], tol };
        await checkOp(c, device);
      });
    }
    for (const [name, fn, ref, positive] of binaryCases) {
      for (const [sa, sb] of broadcastPairs) {
        it(`${name} broadcasts [${sa}] with [${sb}] and reduces gradients back`, async () => {
          const c: OpCase = {
            name, shapes: [sa, sb], run: ([a, b]) => fn(a, b), ref: ([a, b]) => binary64(a, sa, b, sb, ref).v,
            positive: [positive ?? false, false], tol,
          };
          await checkOp(c, device);
        });
      }
    }
    it('scalar operands work on either side', async () => {
      await checkOp({ name: '2 - x / 3', shapes: [[4, 2]], run: ([x]) => tc.sub(2, x.div(3)), ref: ([x]) => x.map((v) => 2 - v / 3), tol }, device);
    });
    it('comparisons give u8 masks', async () => {
      const shapes = [[2, 5], [5]];
      for (const [fn, ref] of [
        [tc.lt, (x: number, y: number) => +(x < y)],
        [tc.ge, (x: number, y: number) => +(x >= y)],
        [tc.eq, (x: number, y: number) => +(x === y)],
        [tc.ne, (x: number, y: number) => +(x !== y)],
      ] as const) {
        await checkOp({ name: 'compare', shapes, run: ([a, b]) => fn(a, b), ref: ([a, b]) => binary64(a, shapes[0], b, shapes[1], ref).v, forwardOnly: true }, device);
      }
    });
    it('where selects with broadcasting and routes gradients to the chosen side', async () => {
      const shapes = [[3, 4], [3, 4], [4]];
      await checkOp(
        {
          name: 'where', shapes,
          run: ([c, a, b]) => tc.where(c.gt(0), a, b),
          ref: ([c, a, b]) => Float64Array.from({ length: 12 }, (_, i) => (c[i] > 0 ? a[i] : b[i % 4])),
          noGrad: [true, false, false], tol,
        },
        device,
      );
    });
    it('clamp limits values and passes gradients inside the range', async () => {
      await checkOp({ name: 'clamp', shapes: [[4, 5]], run: ([x]) => tc.clamp(x, -0.5, 0.6), ref: ([x]) => x.map((v) => Math.min(0.6, Math.max(-0.5, v))), tol }, device);
    });
  });
}
