import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { DEVICES } from './backends.js';
import { checkOp } from './op-check.js';
import { stridesOf } from './ref-math.js';

function permute64(x: Float64Array, shape: number[], perm: number[]): Float64Array {
  const outShape = perm.map((p) => shape[p]);
  const st = stridesOf(shape);
  const ost = stridesOf(outShape);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let src = 0;
    for (let a = 0; a < perm.length; a++) src += (Math.floor(i / ost[a]) % outShape[a]) * st[perm[a]];
    out[i] = x[src];
  }
  return out;
}

for (const device of DEVICES) {
  describe(`shape ops on ${device.kind}`, () => {
    it('reshape, flatten, squeeze and unsqueeze keep values and pass gradients', async () => {
      await checkOp({ name: 'reshape', shapes: [[2, 3, 4]], run: ([x]) => x.reshape([4, -1]).mul(2), ref: ([x]) => x.map((v) => 2 * v) }, device);
      await checkOp({ name: 'flatten', shapes: [[2, 3, 4]], run: ([x]) => x.flatten(1).unsqueeze(0).squeeze(0), ref: ([x]) => x }, device);
    });
    it('permute and transpose reorder axes', async () => {
      await checkOp({ name: 'permute', shapes: [[2, 3, 4]], run: ([x]) => x.permute([2, 0, 1]), ref: ([x]) => permute64(x, [2, 3, 4], [2, 0, 1]) }, device);
      await checkOp({ name: 'transpose', shapes: [[3, 5]], run: ([x]) => x.transpose(), ref: ([x]) => permute64(x, [3, 5], [1, 0]) }, device);
    });
    it('slice takes Python-style ranges (negative, clamped) and its gradient embeds back', async () => {
      const ref = (x: Float64Array) => {
        const out: number[] = [];
        for (let i = 1; i < 3; i++) for (let j = 2; j < 5; j++) out.push(x[i * 5 + j]);
        return Float64Array.from(out);
      };
      await checkOp({ name: 'slice', shapes: [[4, 5]], run: ([x]) => x.slice([1, -3], [-1, 99]), ref: ([x]) => ref(x) }, device);
    });
    it('pad follows F.pad order (last axis first) with a constant', async () => {
      const ref = (x: Float64Array) => {
        const out = new Float64Array(4 * 6).fill(0.5);
        for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) out[(i + 1) * 6 + (j + 2)] = x[i * 3 + j];
        return out;
      };
      await checkOp({ name: 'pad', shapes: [[2, 3]], run: ([x]) => tc.pad(x, [2, 1, 1, 1], 0.5), ref: ([x]) => ref(x) }, device);
    });
    it('expand broadcasts and sums gradients back', async () => {
      await checkOp({ name: 'expand', shapes: [[3, 1]], run: ([x]) => x.expand([2, 3, 4]), ref: ([x]) => Float64Array.from({ length: 24 }, (_, i) => x[Math.floor(i / 4) % 3]) }, device);
    });
    it('concat, stack and split are inverses with gradients routed to each piece', async () => {
      await checkOp(
        {
          name: 'concat', shapes: [[2, 3], [2, 2]],
          run: ([a, b]) => tc.concat([a, b], 1),
          ref: ([a, b]) => Float64Array.from([...a.slice(0, 3), ...b.slice(0, 2), ...a.slice(3), ...b.slice(2)]),
        },
        device,
      );
      await checkOp({ name: 'stack', shapes: [[3], [3]], run: ([a, b]) => tc.stack([a, b], 1), ref: ([a, b]) => Float64Array.from([a[0], b[0], a[1], b[1], a[2], b[2]]) }, device);
      await checkOp(
        { name: 'split', shapes: [[5, 2]], run: ([x]) => { const [p, q] = tc.split(x, [2, 3], 0); return tc.concat([q, p], 0); }, ref: ([x]) => Float64Array.from([...x.slice(4), ...x.slice(0, 4)]) },
        device,
      );
    });
    it('bad shapes give errors that name the shapes', () => {
      const x = tc.zeros([2, 3], { device });
      expect(() => x.reshape([4, 2])).toThrow(/\[2,3\].*\[4,2\]/);
      expect(() => tc.concat([x, tc.zeros([3, 3], { device })], 1)).toThrow(/tensor 1 has shape \[3,3\]/);
      expect(() => tc.add(x, tc.zeros([4], { device }))).toThrow(/cannot broadcast/);
    });
  });
}
