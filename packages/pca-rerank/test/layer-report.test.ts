import { describe, expect, it } from 'vitest';
import { formatReportTable, rerankLayer, totalsOf, type F32LoraLayer } from '../src/index.js';
import { normalArray } from './seeded-normal.js';
import { denseProduct, frobeniusDistance, maxAbsDistance } from './dense-reference.js';

const layers: F32LoraLayer[] = [0, 1, 2].map((i) => ({
  name: `transformer_blocks.${i}.attn.to_k`,
  up: normalArray(26 * 9, 10 + i),
  down: normalArray(9 * 19, 20 + i, 0.1),
  outDim: 26,
  inDim: 19,
  rank: 9,
  alpha: 4.5,
}));

describe('per-layer report', () => {
  it('errors and norms match the dense delta; the max-error bound holds', () => {
    for (const layer of layers) {
      const { layer: out, report } = rerankLayer(layer, { rule: { method: 'fixed', rank: 4 }, exactMaxAbsError: true });
      const w = denseProduct(layer.up, layer.down, 26, 19, 9, 0.5);
      const approx = denseProduct(out.up, out.down, 26, 19, 4, out.alpha / out.rank);
      expect(Math.abs(report.deltaNorm - Math.hypot(...w)) / report.deltaNorm).toBeLessThan(1e-12);
      expect(Math.abs(report.errorNorm - frobeniusDistance(w, approx)) / report.errorNorm).toBeLessThan(1e-6);
      expect(Math.abs((report.maxAbsError ?? NaN) - maxAbsDistance(w, approx)) / report.maxAbsError!).toBeLessThan(1e-9);
      expect(report.maxAbsErrorBound).toBeGreaterThanOrEqual(report.maxAbsError!);
      expect(report.maxAbsErrorBound).toBeCloseTo(report.singularValues[4], 12);
      const kept = report.singularValues.slice(0, 4).reduce((a, s) => a + s * s, 0) / report.deltaNorm ** 2;
      expect(Math.abs(report.energyRetained - kept)).toBeLessThan(1e-6);
    }
  });

  it('totals add energies in quadrature and count parameters', () => {
    const reports = layers.map((layer) => rerankLayer(layer, { rule: { method: 'fixed', rank: 4 } }).report);
    const totals = totalsOf(reports);
    const e2 = reports.reduce((a, r) => a + r.errorNorm ** 2, 0);
    const d2 = reports.reduce((a, r) => a + r.deltaNorm ** 2, 0);
    expect(totals.relFroError).toBeCloseTo(Math.sqrt(e2 / d2), 14);
    expect(totals.paramsIn).toBe(3 * 9 * 45);
    expect(totals.paramsOut).toBe(3 * 4 * 45);
    expect(totals.maxAbsError).toBeNull();
    const table = formatReportTable(reports, totals);
    expect(table.split('\n')).toHaveLength(1 + 1 + 3 + 1 + 1 + 1) // header, rule, layers, rule, total, parameters;
    expect(table).toContain('transformer_blocks.1.attn.to_k');
    expect(table).toContain('9->4');
    expect(table).toContain(`parameters ${3 * 9 * 45} -> ${3 * 4 * 45} (44.4%)`);
    expect(JSON.parse(JSON.stringify({ layers: reports, totals })).totals.layers).toBe(3);
  });
});
