import { describe, expect, it } from 'vitest';
import { getDevice } from '@loraflow/tensor-core';
import { DEVICES } from '../../../packages/tensor-core/test/backends.js';
import { trainDemo } from '../src/train-demo.js';

describe('the demo', () => {
  it('learns: the loss falls by more than 5x in 150 steps', async () => {
    const { losses } = await trainDemo({ device: await getDevice('cpu'), steps: 150 });
    expect(losses[149]).toBeLessThan(losses[0] / 5);
  });

  it('gives the same losses on every device (to 1e-4)', async () => {
    const runs = [];
    for (const device of DEVICES) runs.push((await trainDemo({ device, steps: 40, batch: 64, hidden: 32 })).losses);
    for (const losses of runs.slice(1)) {
      losses.forEach((l, i) => expect(Math.abs(l - runs[0][i]) / Math.max(runs[0][i], 1e-3), `step ${i}`).toBeLessThan(1e-4));
    }
    expect(runs.length).toBe(DEVICES.length);
  });
});
