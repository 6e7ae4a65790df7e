import { describe, expect, it } from 'vitest';
import { rerankLayer, type F32LoraLayer } from '../src/index.js';
import { normalArray } from './seeded-normal.js';
import { denseProduct, denseSingularValues, frobeniusDistance, maxAbsDistance } from './dense-reference.js';

const [rows, cols, rank, k] = [30, 22, 8, 4];
// A non-zero mean row (shifted up factor) so centring matters for the pca split.
const up = normalArray(rows * rank, 3).map((x, i) => x + (i % rank === 0 ? 2 : 0));
const layer: F32LoraLayer = { name: 'mlp', up, down: normalArray(rank * cols, 4, 0.3), outDim: rows, inDim: cols, rank, alpha: rank };
const w = denseProduct(layer.up, layer.down, rows, cols, rank);
const rule = { method: 'fixed', rank: k } as const;

function columnNorm(m: Float32Array, width: number, j: number): number {
  let sum = 0;
  for (let i = 0; i < m.length / width; i++) sum += m[i * width + j] ** 2;
  return Math.sqrt(sum);
}
function rowNorm(m: Float32Array, width: number, j: number): number {
  return Math.hypot(...m.subarray(j * width, (j + 1) * width));
}

describe('how singular values are split between the factors', () => {
  const results = Object.fromEntries((['sqrt', 'up', 'down'] as const).map((split) => [split, rerankLayer(layer, { rule, split }).layer]));

  it('sqrt, up and down give the same product', () => {
    const ref = denseProduct(results.sqrt.up, results.sqrt.down, rows, cols, k);
    for (const split of ['up', 'down'] as const) {
      const other = denseProduct(results[split].up, results[split].down, rows, cols, k);
      expect(maxAbsDistance(ref, other) / Math.max(...ref.map(Math.abs))).toBeLessThan(1e-5);
    }
  });

  it('sqrt balances the factors: each up column has the norm of its down row, sqrt(S)', () => {
    const s = denseSingularValues(w, rows, cols);
    for (let j = 0; j < k; j++) {
      expect(columnNorm(results.sqrt.up, k, j)).toBeCloseTo(Math.sqrt(s[j]), 5);
      expect(rowNorm(results.sqrt.down, cols, j)).toBeCloseTo(Math.sqrt(s[j]), 5);
    }
  });

  it('up puts S into up (kohya) and leaves orthonormal down rows; down mirrors it', () => {
    const s = denseSingularValues(w, rows, cols);
    for (let j = 0; j < k; j++) {
      expect(rowNorm(results.up.down, cols, j)).toBeCloseTo(1, 6);
      expect(columnNorm(results.up.up, k, j)).toBeCloseTo(s[j], 4);
      expect(columnNorm(results.down.up, k, j)).toBeCloseTo(1, 6);
      expect(rowNorm(results.down.down, cols, j)).toBeCloseTo(s[j], 4);
    }
  });
});

describe('the pca split (Image-to-LoRA reference)', () => {
  it('equals the best rank-k approximation of the column-centred delta, U S / V^T', () => {
    const mean = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) mean[c] += w[i * cols + c] / rows;
    const centred = w.map((x, idx) => x - mean[idx % cols]);
    const ref = denseSingularValues(centred, rows, cols);
    const { layer: out, report } = rerankLayer(layer, { rule, split: 'pca' });
    const approx = denseProduct(out.up, out.down, rows, cols, k);
    const tail = Math.hypot(...ref.slice(k));
    expect(Math.abs(frobeniusDistance(centred, approx) - tail) / tail).toBeLessThan(1e-5);
    for (let j = 0; j < k; j++) expect(rowNorm(out.down, cols, j)).toBeCloseTo(1, 6);
    // It approximates the centred matrix, so against the real delta it loses to the exact split.
    const exact = rerankLayer(layer, { rule }).report;
    expect(report.errorNorm).toBeGreaterThan(exact.errorNorm * 1.5);
    expect(Math.abs(report.errorNorm - frobeniusDistance(w, approx)) / report.errorNorm).toBeLessThan(1e-6);
    expect(report.maxAbsErrorBound).toBeGreaterThanOrEqual(maxAbsDistance(w, approx));
  });
});
