import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { DEVICES } from './backends.js';

/** d/dx of sum_i sum(piece_i(x) * c_i) is c_i scattered back to where piece i came from (and summed where pieces overlap). */
async function gradientOf(device: tc.Device, shape: number[], pieces: (x: tc.Tensor) => tc.Tensor[]): Promise<{ got: Float32Array; want: Float64Array }> {
  const x = tc.randn(shape, { seed: 1, device, requiresGrad: true });
  // Probe each piece with a distinct random weight; the reference redoes the slicing on index tensors.
  const index = tc.arange(0, shape.reduce((a, b) => a * b, 1), 1, { device }).reshape(shape);
  const ps = pieces(x);
  const idx = pieces(index);
  const weights = ps.map((p, i) => tc.randn(p.shape, { seed: 10 + i, device }));
  let loss: tc.Tensor | null = null;
  ps.forEach((p, i) => {
    const term = p.mul(weights[i]).sum();
    loss = loss ? loss.add(term) : term;
  });
  loss!.backward();
  const want = new Float64Array(x.size);
  for (let i = 0; i < ps.length; i++) {
    const at = await idx[i].data();
    const w = await weights[i].data();
    for (let j = 0; j < at.length; j++) want[at[j]] += w[j];
  }
  return { got: (await x.grad!.data()) as Float32Array, want };
}

for (const device of DEVICES) {
  describe(`gradients of slices meeting in one tensor on ${device.kind}`, () => {
    const cases: [string, number[], (x: tc.Tensor) => tc.Tensor[]][] = [
      ['split into three along the leading axis', [3, 4, 5], (x) => tc.split(x, 3, 0)],
      ['chunk into six along the last axis', [2, 3, 12], (x) => tc.split(x, 6, 2)],
      ['two of three pieces used', [3, 4, 5], (x) => tc.split(x, 3, 0).slice(0, 2)],
      ['overlapping slices', [6, 5], (x) => [tc.slice(x, [0, 0], [4, 5]), tc.slice(x, [2, 1], [6, 4]), tc.slice(x, [1, 0], [3, 2])]],
      ['the same piece twice', [4, 6], (x) => { const [a] = tc.split(x, 2, 1); return [a, a, tc.slice(x, [0, 3], [4, 6])]; }],
    ];
    for (const [name, shape, pieces] of cases) {
      it(`${name}: scatters and sums the piece gradients`, async () => {
        const { got, want } = await gradientOf(device, shape, pieces);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
        // Sums of at most three f32 products of randn values.
        expect(worst).toBeLessThan(1e-5);
      });
    }
  });
}
