import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { DEVICES } from './backends.js';
import { checkOp } from './op-check.js';
import { stridesOf } from './ref-math.js';

/** f64 reduction of `x` (shape) over `axes` with `fn` folding each group. */
function reduce64(x: Float64Array, shape: number[], axes: number[], fn: (vals: number[]) => number): Float64Array {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const n = outShape.reduce((a, b) => a * b, 1);
  const groups: number[][] = Array.from({ length: n }, () => []);
  const st = stridesOf(shape);
  const ost = stridesOf(outShape);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let a = 0; a < shape.length; a++) if (!axes.includes(a)) o += (Math.floor(i / st[a]) % shape[a]) * ost[a];
    groups[o].push(x[i]);
  }
  return Float64Array.from(groups.map(fn));
}

const sumF = (v: number[]) => v.reduce((a, b) => a + b, 0);
const meanF = (v: number[]) => sumF(v) / v.length;
const varF = (v: number[]) => {
  const m = meanF(v);
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
};

const shape = [3, 4, 5];
const axesList = [[0], [1], [2], [0, 2], [0, 1, 2]];

for (const device of DEVICES) {
  describe(`reductions on ${device.kind}`, () => {
    for (const axes of axesList) {
      for (const keepdim of [false, true]) {
        it(`sum/mean/max/min/var over [${axes}] keepdim=${keepdim}`, async () => {
          const cases: [string, (t: tc.Tensor) => tc.Tensor, (v: number[]) => number][] = [
            ['sum', (t) => tc.sum(t, axes, keepdim), sumF],
            ['mean', (t) => tc.mean(t, axes, keepdim), meanF],
            ['max', (t) => tc.max(t, axes, keepdim), (v) => Math.max(...v)],
            ['min', (t) => tc.min(t, axes, keepdim), (v) => Math.min(...v)],
            ['var', (t) => tc.variance(t, axes, { keepdim }), varF],
          ];
          for (const [name, run, fn] of cases) {
            await checkOp({ name: `${name}[${axes}]`, shapes: [shape], run: ([x]) => run(x), ref: ([x]) => reduce64(x, shape, axes, fn), tol: 1e-5 }, device);
          }
        });
      }
    }
    it('keepdim keeps reduced axes as 1 and the full reduction is a scalar', () => {
      const x = tc.randn([3, 4, 5], { seed: 1, device });
      expect(tc.sum(x, [1], true).shape).toEqual([3, 1, 5]);
      expect(tc.sum(x, [1]).shape).toEqual([3, 5]);
      expect(tc.sum(x).shape).toEqual([]);
    });
    it('argmax and argmin return i32 indices of the extremes', async () => {
      const x = tc.randn([4, 6], { seed: 2, device });
      const v = await x.data();
      const am = await tc.argmax(x, 1).data();
      const an = await tc.argmin(x, 0, true).data();
      for (let r = 0; r < 4; r++) {
        const row = Array.from(v.slice(r * 6, r * 6 + 6));
        expect(am[r]).toBe(row.indexOf(Math.max(...row)));
      }
      for (let c = 0; c < 6; c++) {
        const col = [0, 1, 2, 3].map((r) => v[r * 6 + c]);
        expect(an[c]).toBe(col.indexOf(Math.min(...col)));
      }
      expect(tc.argmax(x, 1).dtype).toBe('i32');
    });
  });
}
