import { describe, expect, it } from 'vitest';
import { classifyFeatures, DatasetError, fitFeatureClassifier } from '@loraflow/datasets';

describe('fitFeatureClassifier', () => {
  it('fits standardized nearest centroids and names the nearest one', () => {
    const samples = [
      { label: 'dark', features: [0.1, 5] }, { label: 'dark', features: [0.2, 7] },
      { label: 'bright', features: [0.8, 6] }, { label: 'bright', features: [0.9, 6] },
    ];
    const c = fitFeatureClassifier(samples);
    expect(c.labels).toEqual(['dark', 'bright']);
    // mean of feature 0 is 0.5, its spread sqrt(mean((x - 0.5)^2)) = sqrt(0.125) (+ 1e-3).
    expect(c.mean[0]).toBeCloseTo(0.5, 12);
    expect(c.scale[0]).toBeCloseTo(Math.sqrt(0.125) + 1e-3, 12);
    expect(c.centroids[0][0]).toBeCloseTo((0.15 - 0.5) / (Math.sqrt(0.125) + 1e-3), 12);
    expect(classifyFeatures(c, [0.3, 6]).label).toBe('dark');
    expect(classifyFeatures(c, [0.7, 5]).label).toBe('bright');
  });

  it('rejects an empty set and vectors of different lengths', () => {
    expect(() => fitFeatureClassifier([])).toThrow(DatasetError);
    expect(() => fitFeatureClassifier([{ label: 'a', features: [1, 2] }, { label: 'b', features: [1] }])).toThrow(/sample 1 has 1 features, expected 2/);
  });
});
