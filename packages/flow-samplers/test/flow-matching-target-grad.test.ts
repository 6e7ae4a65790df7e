import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { noisyInput, velocityTarget, weightedMseLoss } from '@loraflow/flow-samplers';

describe('training helpers keep the autograd graph', () => {
  it('weightedMseLoss(noisyInput(...)) back-propagates into the prediction and x0', async () => {
    const x0 = new tc.Parameter(tc.tensor([[0.5, -1], [2, 0.25]]));
    const noise = tc.tensor([[0.1, 0.2], [-0.3, 0.4]]);
    const pred = noisyInput(x0, noise, [0.25, 0.5]).mul(2);
    weightedMseLoss(pred, velocityTarget(x0.detach(), noise), [1, 3]).backward();
    // d/dx0 of mean_b,i w_b (2((1-s_b) x0 + s_b n) - (n - x0))^2 = (2/N) w_b r (2(1-s_b) + 0 ... ) with the target detached.
    const x = [[0.5, -1], [2, 0.25]];
    const n = [[0.1, 0.2], [-0.3, 0.4]];
    const s = [0.25, 0.5];
    const w = [1, 3];
    const expected = x.flatMap((row, b) => row.map((v, i) => {
      const r = 2 * ((1 - s[b]) * v + s[b] * n[b][i]) - (n[b][i] - v);
      return (2 / 4) * w[b] * r * 2 * (1 - s[b]);
    }));
    const got = Array.from(await x0.grad!.data());
    expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 5));
  });
});
