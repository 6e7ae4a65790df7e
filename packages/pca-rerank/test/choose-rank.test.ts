import { describe, expect, it } from 'vitest';
import { chooseRank, parseRankRule, rerankLayer, RerankError } from '../src/index.js';
import { seededNormal } from './seeded-normal.js';
import { factorsWithSpectrum } from './dense-reference.js';

const spectrum = [8, 4, 2, 1, 0.5, 0.25];

describe('chooseRank on hand-made spectra', () => {
  it('sv_ratio keeps every value within the ratio of the largest', () => {
    expect(chooseRank(spectrum, { method: 'sv_ratio', param: 4 })).toBe(3); // 8, 4, 2 >= 8/4
    expect(chooseRank(spectrum, { method: 'sv_ratio', param: 3.9 })).toBe(2);
    expect(chooseRank(spectrum, { method: 'sv_ratio', param: 1 })).toBe(1);
    expect(chooseRank(spectrum, { method: 'sv_ratio', param: 1000 })).toBe(6); // all: kohya would clamp to 5
  });

  it('sv_cumulative keeps the fewest values whose sum reaches the share', () => {
    // sum = 15.75; cumulative 8, 12, 14, 15, 15.5, 15.75
    expect(chooseRank(spectrum, { method: 'sv_cumulative', param: 8 / 15.75 })).toBe(1); // reached exactly
    expect(chooseRank(spectrum, { method: 'sv_cumulative', param: 0.6 })).toBe(2);
    expect(chooseRank(spectrum, { method: 'sv_cumulative', param: 0.9 })).toBe(4); // 14/15.75 = 0.889 < 0.9 <= 15/15.75
    expect(chooseRank(spectrum, { method: 'sv_cumulative', param: 1 })).toBe(6);
    expect(chooseRank([1, 1, 1, 1], { method: 'sv_cumulative', param: 0.5 })).toBe(2);
  });

  it('sv_fro keeps the fewest values whose Frobenius share reaches the parameter', () => {
    // squares 64, 16, 4, 1, .25, .0625; total 85.3125; sqrt shares .866, .968, .9922, .99805, .99951, 1
    expect(chooseRank(spectrum, { method: 'sv_fro', param: 0.86 })).toBe(1);
    expect(chooseRank(spectrum, { method: 'sv_fro', param: 0.9 })).toBe(2);
    expect(chooseRank(spectrum, { method: 'sv_fro', param: 0.99 })).toBe(3);
    expect(chooseRank(spectrum, { method: 'sv_fro', param: 0.999 })).toBe(5);
    expect(chooseRank([3, 4].sort((a, b) => b - a), { method: 'sv_fro', param: 0.8 })).toBe(1); // sqrt(16/25) = 0.8 exactly
  });

  it('max rank caps dynamic and fixed rules; an all-zero spectrum keeps nothing', () => {
    expect(chooseRank(spectrum, { method: 'sv_fro', param: 1 }, 3)).toBe(3);
    expect(chooseRank(spectrum, { method: 'fixed', rank: 5 }, 2)).toBe(2);
    expect(chooseRank([], { method: 'sv_ratio', param: 2 })).toBe(0);
    expect(chooseRank([0, 0], { method: 'sv_fro', param: 0.5 })).toBe(0);
  });

  it('parseRankRule reads METHOD:PARAM and rejects bad input naming it', () => {
    expect(parseRankRule('sv_fro:0.9')).toEqual({ method: 'sv_fro', param: 0.9 });
    expect(parseRankRule('sv_ratio:4')).toEqual({ method: 'sv_ratio', param: 4 });
    expect(() => parseRankRule('sv_fro:1.5')).toThrow(RerankError);
    expect(() => parseRankRule('sv_ratio:0.5')).toThrow(/sv_ratio:0.5/);
    expect(() => parseRankRule('svd:3')).toThrow(/--dynamic "svd:3"/);
  });
});

describe('dynamic rules on layers with a known spectrum', () => {
  it('rerankLayer keeps the rank the rule asks for and reports that spectrum', () => {
    const next = seededNormal(5);
    const { up, down } = factorsWithSpectrum(spectrum, 40, 30, next);
    const layer = { name: 'l', up, down, outDim: 40, inDim: 30, rank: 6, alpha: 6 };
    const cases = [
      [{ method: 'sv_ratio', param: 4.5 }, 3],
      [{ method: 'sv_cumulative', param: 0.9 }, 4],
      [{ method: 'sv_fro', param: 0.99 }, 3],
    ] as const;
    for (const [rule, rank] of cases) {
      const { layer: out, report } = rerankLayer(layer, { rule });
      expect(out.rank).toBe(rank);
      expect(report.keptRank).toBe(rank);
      expect(out.alpha).toBe(rank); // alpha = rank before, so the scale stays 1
      // float32 factors carry the spectrum to ~1e-7 relative.
      report.singularValues.forEach((s, j) => expect(Math.abs(s - spectrum[j]) / 8).toBeLessThan(1e-6));
      const kept = spectrum.slice(0, rank).reduce((a, s) => a + s * s, 0) / spectrum.reduce((a, s) => a + s * s, 0);
      expect(Math.abs(report.energyRetained - kept)).toBeLessThan(1e-6);
    }
    expect(rerankLayer(layer, { rule: { method: 'sv_fro', param: 1 }, maxRank: 2 }).layer.rank).toBe(2);
  });
});
