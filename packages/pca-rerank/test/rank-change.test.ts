import { describe, expect, it } from 'vitest';
import { rerankLayer, rerankLayers, type F32LoraLayer } from '../src/index.js';
import { normalArray } from './seeded-normal.js';
import { denseProduct, frobeniusDistance } from './dense-reference.js';

function randomLayer(rows: number, cols: number, rank: number, seed: number, alpha = rank): F32LoraLayer {
  return { name: `layer${seed}`, up: normalArray(rows * rank, seed), down: normalArray(rank * cols, seed + 1, 0.2), outDim: rows, inDim: cols, rank, alpha };
}

function effective(layer: F32LoraLayer): Float64Array {
  return denseProduct(layer.up, layer.down, layer.outDim, layer.inDim, layer.rank, layer.rank ? layer.alpha / layer.rank : 1);
}

describe('target rank above, equal to and below the current rank', () => {
  const layer = randomLayer(24, 18, 6, 11, 3);
  const w = effective(layer);
  const norm = Math.hypot(...w);

  it('equal rank reproduces the delta (float32 rounding only)', () => {
    const { layer: out, report } = rerankLayer(layer, { rule: { method: 'fixed', rank: 6 } });
    expect(out.rank).toBe(6);
    expect(out.alpha).toBe(3);
    expect(frobeniusDistance(w, effective(out)) / norm).toBeLessThan(1e-6);
    expect(report.relFroError).toBeLessThan(1e-6);
  });

  it('rank above the current one zero-pads and keeps the scale', () => {
    const { layer: out, report } = rerankLayer(layer, { rule: { method: 'fixed', rank: 10 } });
    expect(out.rank).toBe(10);
    expect(out.alpha).toBeCloseTo(5, 12); // 3 * 10 / 6
    expect(report.keptRank).toBe(6);
    for (let i = 0; i < 24; i++) for (let j = 6; j < 10; j++) expect(out.up[i * 10 + j]).toBe(0);
    for (let j = 6; j < 10; j++) for (let c = 0; c < 18; c++) expect(out.down[j * 18 + c]).toBe(0);
    expect(frobeniusDistance(w, effective(out)) / norm).toBeLessThan(1e-6);
  });

  it('rank below the current one drops the smallest directions', () => {
    const { layer: out, report } = rerankLayer(layer, { rule: { method: 'fixed', rank: 2 } });
    expect(out.rank).toBe(2);
    expect(out.alpha).toBeCloseTo(1, 12);
    const tail = Math.hypot(...report.singularValues.slice(2));
    expect(Math.abs(frobeniusDistance(w, effective(out)) - tail) / tail).toBeLessThan(1e-5);
  });

  it('a layer with fewer non-zero singular values than asked pads instead of failing', () => {
    // Rank 6 factors whose product has rank 2: the up columns repeat two directions.
    const base = randomLayer(20, 15, 2, 5);
    const up = new Float32Array(20 * 6);
    for (let i = 0; i < 20; i++) for (let j = 0; j < 6; j++) up[i * 6 + j] = base.up[i * 2 + (j % 2)];
    const down = normalArray(6 * 15, 9);
    const deficient: F32LoraLayer = { name: 'deficient', up, down, outDim: 20, inDim: 15, rank: 6, alpha: 6 };
    const { layer: out, report } = rerankLayer(deficient, { rule: { method: 'fixed', rank: 4 } });
    expect(report.keptRank).toBe(2);
    expect(out.rank).toBe(4);
    expect(report.singularValues.length).toBe(2);
    const wd = effective(deficient);
    expect(frobeniusDistance(wd, effective(out)) / Math.hypot(...wd)).toBeLessThan(1e-6);
  });

  it('rank above the layer dimensions keeps only min(out, in) directions', () => {
    const narrow = randomLayer(3, 40, 8, 21);
    const { layer: out, report } = rerankLayer(narrow, { rule: { method: 'fixed', rank: 6 } });
    expect(report.keptRank).toBe(3);
    expect(out.rank).toBe(6);
    const wn = effective(narrow);
    expect(frobeniusDistance(wn, effective(out)) / Math.hypot(...wn)).toBeLessThan(1e-6);
  });
});

describe('all-zero layers', () => {
  const zero: F32LoraLayer = { name: 'zero', up: new Float32Array(10 * 4), down: normalArray(4 * 7, 3), outDim: 10, inDim: 7, rank: 4, alpha: 8 };

  it('a fixed rank gives zero factors of that rank and a zero error', () => {
    const { layer: out, report } = rerankLayer(zero, { rule: { method: 'fixed', rank: 2 } });
    expect(out.rank).toBe(2);
    expect(out.alpha).toBe(4);
    expect(out.up.every((x) => x === 0) && out.down.every((x) => x === 0)).toBe(true);
    expect(report).toMatchObject({ keptRank: 0, deltaNorm: 0, errorNorm: 0, relFroError: 0, maxAbsErrorBound: 0 });
  });

  it('a dynamic rule gives a rank-1 zero layer, so the key survives', () => {
    for (const rule of [{ method: 'sv_fro', param: 0.9 }, { method: 'sv_ratio', param: 2 }, { method: 'sv_cumulative', param: 0.5 }] as const) {
      const { layer: out, report } = rerankLayer(zero, { rule });
      expect(out.rank).toBe(1);
      expect(out.up.length).toBe(10);
      expect(out.down.every((x) => x === 0)).toBe(true);
      expect(Number.isNaN(report.energyRetained)).toBe(false);
    }
  });
});

describe('rerankLayers', () => {
  it('streams every layer through in order', async () => {
    async function* source(): AsyncGenerator<F32LoraLayer> {
      for (let i = 0; i < 3; i++) yield randomLayer(12, 9, 5, 40 + i);
    }
    const names: string[] = [];
    for await (const { layer, report } of rerankLayers(source(), { rule: { method: 'fixed', rank: 3 } })) {
      names.push(layer.name);
      expect(report.rankOut).toBe(3);
    }
    expect(names).toEqual(['layer40', 'layer41', 'layer42']);
  });
});

describe('a fixed rank above what the layer can hold', () => {
  it('is capped at min(out, in) and the report says so (rank 100000 on a 24x18 layer)', () => {
    const layer = randomLayer(24, 18, 2, 5);
    const { layer: out, report } = rerankLayer(layer, { rule: { method: 'fixed', rank: 100_000 } });
    expect(out.rank).toBe(18);
    expect(out.down.length).toBe(18 * 18);
    expect(out.up.length).toBe(24 * 18);
    expect(report.rankOut).toBe(18);
    expect(report.rankCappedFrom).toBe(100_000);
    expect(frobeniusDistance(effective(layer), effective(out)) / Math.hypot(...effective(layer))).toBeLessThan(1e-6);
  });

  it('a rank within the limit is not reported as capped', () => {
    expect(rerankLayer(randomLayer(24, 18, 2, 6), { rule: { method: 'fixed', rank: 18 } }).report.rankCappedFrom).toBeNull();
  });
});
