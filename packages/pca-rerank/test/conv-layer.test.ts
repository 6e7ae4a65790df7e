import { describe, expect, it } from 'vitest';
import { rerankLayer, type F32LoraLayer } from '../src/index.js';
import { normalArray } from './seeded-normal.js';
import { denseProduct, denseSingularValues, frobeniusDistance, tailNorm } from './dense-reference.js';

describe('conv LoRA layers', () => {
  it('a 3x3 conv is re-ranked through its (out, in*3*3) view with the Eckart-Young error', () => {
    const [outC, inC, rank, k] = [16, 5, 8, 3];
    const cols = inC * 9;
    // down is (rank, in, 3, 3) and up is (out, rank, 1, 1) in PyTorch layout: the same flat buffers.
    const layer: F32LoraLayer = { name: 'conv_in', up: normalArray(outC * rank, 1), down: normalArray(rank * cols, 2, 0.3), outDim: outC, inDim: inC, rank, alpha: 4, kernel: [3, 3] };
    const w = denseProduct(layer.up, layer.down, outC, cols, rank, 0.5);
    const ref = denseSingularValues(w, outC, cols);
    const { layer: out, report } = rerankLayer(layer, { rule: { method: 'fixed', rank: k } });
    expect(out.kernel).toEqual([3, 3]);
    expect(out.down.length).toBe(k * cols);
    expect(out.up.length).toBe(outC * k);
    expect(report.shape).toEqual([outC, cols]);
    const approx = denseProduct(out.up, out.down, outC, cols, k, out.alpha / out.rank);
    const expected = tailNorm(ref, k);
    expect(Math.abs(frobeniusDistance(w, approx) - expected) / expected).toBeLessThan(1e-5);
  });

  it('rejects a down factor whose size does not match in x kernel, naming the layer', () => {
    const layer: F32LoraLayer = { name: 'conv_bad', up: normalArray(8, 1), down: normalArray(2 * 5, 2), outDim: 4, inDim: 5, rank: 2, alpha: 2, kernel: [3, 3] };
    expect(() => rerankLayer(layer, { rule: { method: 'fixed', rank: 1 } })).toThrow(/conv_bad.*rank 2 x 45/);
  });
});
