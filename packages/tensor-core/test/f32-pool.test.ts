import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { F32Pool } from '../src/backends/cpu/f32-pool.js';

describe('F32Pool', () => {
  it('hands a freed array back out for the same length and never for another', () => {
    const pool = new F32Pool();
    const a = pool.take(10_000);
    pool.give(a);
    expect(pool.bytes).toBe(40_000);
    expect(pool.take(10_001)).not.toBe(a);
    expect(pool.take(10_000)).toBe(a);
    expect(pool.bytes).toBe(0);
  });

  it('ignores arrays it did not lend and a second give of the same array', () => {
    const pool = new F32Pool();
    const foreign = new Float32Array(10_000);
    pool.give(foreign);
    expect(pool.bytes).toBe(0);
    const a = pool.take(10_000);
    pool.give(a);
    pool.give(a);
    expect(pool.bytes).toBe(40_000);
    expect(pool.take(10_000)).toBe(a);
    expect(pool.take(10_000)).not.toBe(a);
  });

  it('parks no more than its byte budget', () => {
    const pool = new F32Pool(100_000);
    const arrays = [pool.take(10_000), pool.take(10_000), pool.take(10_000)];
    for (const a of arrays) pool.give(a);
    expect(pool.bytes).toBe(80_000);
  });
});

describe('CPU storage recycling', () => {
  it('keeps live tensors intact while freed outputs are reused', async () => {
    const device = await tc.getDevice('cpu');
    const x = tc.randn([64, 128], { seed: 3, device });
    const expected = Float64Array.from(await x.data(), (v) => Math.tanh(v) * 2 + 1);
    const kept = tc.tidy(() => tc.tanh(x).mul(2).add(1));
    // Churn same-sized temporaries through the pool; none may land in `kept`'s memory.
    for (let i = 0; i < 20; i++) tc.tidy(() => x.mul(i).add(x).exp());
    const got = await kept.data();
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
    expect(worst).toBeLessThan(1e-6);
    kept.dispose();
    x.dispose();
  });
});
