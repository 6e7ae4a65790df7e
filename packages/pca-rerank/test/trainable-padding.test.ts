import { describe, expect, it } from 'vitest';
import { rerankLayer, type F32LoraLayer } from '../src/index.js';
import { normalArray } from './seeded-normal.js';
import { denseProduct, frobeniusDistance } from './dense-reference.js';

const layer: F32LoraLayer = { name: 'blocks.0.attn.to_v', up: normalArray(20 * 4, 1), down: normalArray(4 * 15, 2, 0.2), outDim: 20, inDim: 15, rank: 4, alpha: 2 };
const w = denseProduct(layer.up, layer.down, 20, 15, 4, 0.5);

function row(m: Float32Array, j: number, cols = 15): Float32Array {
  return m.subarray(j * cols, (j + 1) * cols);
}
function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe('trainable padding', () => {
  it('gives padded channels orthonormal-direction down rows and zero up columns, leaving the delta unchanged', () => {
    const { layer: out } = rerankLayer(layer, { rule: { method: 'fixed', rank: 9 }, pad: 'trainable', seed: 3 });
    expect(out.rank).toBe(9);
    const approx = denseProduct(out.up, out.down, 20, 15, 9, out.alpha / out.rank);
    expect(frobeniusDistance(w, approx) / Math.hypot(...w)).toBeLessThan(1e-6);
    for (let j = 4; j < 9; j++) {
      for (let i = 0; i < 20; i++) expect(out.up[i * 9 + j]).toBe(0);
      expect(Math.sqrt(dot(row(out.down, j), row(out.down, j)))).toBeCloseTo(1 / Math.sqrt(3), 6);
      for (let p = 0; p < j; p++) {
        const cos = dot(row(out.down, j), row(out.down, p)) / Math.sqrt(dot(row(out.down, j), row(out.down, j)) * dot(row(out.down, p), row(out.down, p)));
        expect(Math.abs(cos)).toBeLessThan(1e-6); // float32 storage of float64-orthogonal rows
      }
    }
  });

  it('is deterministic per seed and layer name, and differs across seeds', () => {
    const rule = { method: 'fixed', rank: 6 } as const;
    const a = rerankLayer(layer, { rule, pad: 'trainable', seed: 1 }).layer.down;
    const b = rerankLayer(layer, { rule, pad: 'trainable', seed: 1 }).layer.down;
    const c = rerankLayer(layer, { rule, pad: 'trainable', seed: 2 }).layer.down;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(frobeniusDistance(row(a, 5), row(c, 5))).toBeGreaterThan(0.1);
  });

  it('stops at the input width: no more orthogonal directions exist, so the rank is capped there', () => {
    const narrow: F32LoraLayer = { name: 'n', up: normalArray(10 * 2, 5), down: normalArray(2 * 3, 6), outDim: 10, inDim: 3, rank: 2, alpha: 2 };
    const { layer: out, report } = rerankLayer(narrow, { rule: { method: 'fixed', rank: 5 }, pad: 'trainable' });
    expect(out.rank).toBe(3);
    expect(report.rankCappedFrom).toBe(5);
    expect(dot(row(out.down, 2, 3), row(out.down, 2, 3))).toBeGreaterThan(0.3);
  });
});
