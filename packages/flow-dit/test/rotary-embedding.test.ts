import { randn } from '@loraflow/tensor-core';
import { describe, expect, it } from 'vitest';
import { applyRope, qwenImagePositions, ropeAngles, ropeTables } from '../src/index.js';

// Float64 reference: rotate each interleaved pair (x[2i], x[2i+1]) by angle i (complex multiply).
function ropeReference(x: Float32Array, angles: Float64Array, seq: number, dim: number, rows: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const s = r % seq;
    for (let i = 0; i < dim / 2; i++) {
      const a = angles[s * (dim / 2) + i];
      const re = x[r * dim + 2 * i], im = x[r * dim + 2 * i + 1];
      out[r * dim + 2 * i] = re * Math.cos(a) - im * Math.sin(a);
      out[r * dim + 2 * i + 1] = re * Math.sin(a) + im * Math.cos(a);
    }
  }
  return out;
}

describe('rotary embedding', () => {
  const axes = [4, 6, 6];
  const dim = 16;

  it('matches a float64 complex rotation of interleaved pairs', async () => {
    const pos = qwenImagePositions(3, 4, 5);
    const all = [...pos.text, ...pos.image];
    const angles = ropeAngles(all, axes, 10000);
    const x = randn([2, 3, all.length, dim], { seed: 21 });
    const y = applyRope(x, ropeTables(angles, all.length));
    const want = ropeReference((await x.data()) as Float32Array, angles, all.length, dim, 2 * 3 * all.length);
    const got = (await y.data()) as Float32Array;
    // Angles up to ~8 rad in f32 cos/sin: ~1e-6 absolute error per term.
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(2e-5 * (1 + Math.abs(want[i]))));
  });

  it('keeps each vector norm (a rotation)', async () => {
    const pos = qwenImagePositions(4, 4, 3).image;
    const x = randn([pos.length, dim], { seed: 22 });
    const y = applyRope(x, ropeTables(ropeAngles(pos, axes, 10000), pos.length));
    const xs = (await x.data()) as Float32Array, ys = (await y.data()) as Float32Array;
    for (let s = 0; s < pos.length; s++) {
      let nx = 0, ny = 0;
      for (let d = 0; d < dim; d++) {
        nx += xs[s * dim + d] ** 2;
        ny += ys[s * dim + d] ** 2;
      }
      expect(Math.abs(Math.sqrt(ny) - Math.sqrt(nx))).toBeLessThan(1e-5 * Math.sqrt(nx));
    }
  });

  it('makes q.k depend only on the position difference', async () => {
    const q = randn([1, dim], { seed: 23 }), k = randn([1, dim], { seed: 24 });
    const dot = async (pq: number[], pk: number[]) => {
      const rq = applyRope(q, ropeTables(ropeAngles([pq], axes, 10000), 1));
      const rk = applyRope(k, ropeTables(ropeAngles([pk], axes, 10000), 1));
      return (await rq.mul(rk).sum().item());
    };
    const a = await dot([0, 1, -2], [0, 3, 1]);
    const b = await dot([5, 6, 0], [5, 8, 3]);
    const c = await dot([0, 1, -2], [0, 3, 2]);
    expect(Math.abs(a - b)).toBeLessThan(1e-4 * (1 + Math.abs(a)));
    expect(Math.abs(a - c)).toBeGreaterThan(1e-3);
  });

  it('centres image rows/cols and starts text after them, as Qwen-Image scale_rope', () => {
    const pos = qwenImagePositions(4, 6, 2);
    expect(pos.image[0]).toEqual([0, -2, -3]);
    expect(pos.image[pos.image.length - 1]).toEqual([0, 1, 2]);
    expect(pos.text).toEqual([[3, 3, 3], [4, 4, 4]]);
  });
});
