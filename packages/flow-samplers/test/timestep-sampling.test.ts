import { describe, expect, it } from 'vitest';
import {
  FlowSamplersError,
  lossWeight,
  lossWeights,
  muForImageSeqLen,
  normalQuantile,
  QWEN_IMAGE_SCHEDULER_CONFIG,
  sampleTrainingSigmas,
  seededUniform,
  shiftSigma,
  sigmaFromUniform,
} from '@loraflow/flow-samplers';

// Float64 reference for the normal CDF: composite Simpson integration of the density from 0 to z.
function normalCdfBySimpson(z: number): number {
  const n = 20000;
  const h = z / n;
  const pdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  let acc = pdf(0) + pdf(z);
  for (let i = 1; i < n; i++) acc += (i % 2 ? 4 : 2) * pdf(i * h);
  return 0.5 + (acc * h) / 3;
}

const logit = (s: number) => Math.log(s / (1 - s));
const meanStd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return { mean: m, std: Math.sqrt(v) };
};

describe('normalQuantile', () => {
  it('inverts the normal CDF in the centre and both tails', () => {
    // Acklam's approximation is accurate to ~1e-9 relative; Simpson with 2e4 panels to ~1e-14.
    for (const p of [1e-6, 0.003, 0.02, 0.2, 0.5, 0.77, 0.981, 0.9995]) {
      expect(Math.abs(normalCdfBySimpson(normalQuantile(p)) - p)).toBeLessThan(1e-9);
    }
  });
});

describe('training sigma sampling', () => {
  const n = 20000;
  // Sample-moment tolerances: 5 standard errors (std/sqrt(n) for the mean, ~std/sqrt(2n) for the std).
  const tolMean = (std: number) => (5 * std) / Math.sqrt(n);

  it('logit-normal has the requested mean and std in logit space', () => {
    const s = sampleTrainingSigmas(n, { kind: 'logit-normal', mean: 0.4, std: 1.3 }, 7);
    const { mean, std } = meanStd(s.map(logit));
    expect(Math.abs(mean - 0.4)).toBeLessThan(tolMean(1.3));
    expect(Math.abs(std - 1.3)).toBeLessThan((5 * 1.3) / Math.sqrt(2 * n));
  });

  it('sigmoid sampling is logit-normal with std = scale', () => {
    const s = sampleTrainingSigmas(n, { kind: 'sigmoid', scale: 0.8 }, 11);
    const { mean, std } = meanStd(s.map(logit));
    expect(Math.abs(mean)).toBeLessThan(tolMean(0.8));
    expect(Math.abs(std - 0.8)).toBeLessThan((5 * 0.8) / Math.sqrt(2 * n));
  });

  it('uniform sampling has mean 1/2 and variance 1/12', () => {
    const s = sampleTrainingSigmas(n, { kind: 'uniform' }, 3);
    const { mean, std } = meanStd(s);
    expect(Math.abs(mean - 0.5)).toBeLessThan(tolMean(Math.sqrt(1 / 12)));
    expect(Math.abs(std - Math.sqrt(1 / 12))).toBeLessThan(0.01);
  });

  it('shift sampling applies the static shift to the sigmoid sample of the same uniform', () => {
    for (const u of [0.03, 0.41, 0.88]) {
      const base = sigmaFromUniform(u, { kind: 'sigmoid', scale: 1.5 });
      expect(sigmaFromUniform(u, { kind: 'shift', shift: 2.2, sigmoidScale: 1.5 })).toBeCloseTo(shiftSigma(base, 2.2), 14);
    }
  });

  it('qwen-shift uses shift = exp(mu) with mu from the image token count', () => {
    const mu = muForImageSeqLen(4096, QWEN_IMAGE_SCHEDULER_CONFIG);
    const u = 0.63;
    const base = sigmaFromUniform(u, { kind: 'sigmoid' });
    expect(sigmaFromUniform(u, { kind: 'qwen-shift', imageSeqLen: 4096 })).toBeCloseTo(shiftSigma(base, Math.exp(mu)), 14);
  });

  it('mode sampling maps 0 to 1 and 1 to 0 and is decreasing for scale 1.29', () => {
    expect(sigmaFromUniform(0, { kind: 'mode' })).toBeCloseTo(1, 14);
    expect(sigmaFromUniform(1 - 1e-12, { kind: 'mode' })).toBeCloseTo(0, 9);
    const u = 0.3;
    expect(sigmaFromUniform(u, { kind: 'mode', scale: 1.29 })).toBeCloseTo(1 - u - 1.29 * (Math.cos((Math.PI * u) / 2) ** 2 - 1 + u), 14);
    let prev = 2;
    for (let i = 0; i <= 100; i++) {
      const s = sigmaFromUniform(i / 100.0001, { kind: 'mode' });
      expect(s).toBeLessThan(prev);
      prev = s;
    }
  });

  it('weighted sampling hits the 1000 discrete training timesteps uniformly', () => {
    const s = sampleTrainingSigmas(n, { kind: 'weighted' }, 5);
    for (const x of s) expect(Math.abs(x * 1000 - Math.round(x * 1000))).toBeLessThan(1e-9);
    expect(sigmaFromUniform(0, { kind: 'weighted' })).toBe(1);
    expect(sigmaFromUniform(0.99999, { kind: 'weighted' })).toBe(0.001);
    const { mean } = meanStd(s);
    expect(Math.abs(mean - 0.5005)).toBeLessThan(tolMean(Math.sqrt(1 / 12)));
  });

  it('a sigma range rescales samples into [min, max]', () => {
    const s = sampleTrainingSigmas(1000, { kind: 'uniform' }, 9, { min: 0.2, max: 0.6 });
    expect(Math.min(...s)).toBeGreaterThanOrEqual(0.2);
    expect(Math.max(...s)).toBeLessThan(0.6);
    expect(() => sampleTrainingSigmas(1, { kind: 'uniform' }, 9, { min: 0.7, max: 0.6 })).toThrow(FlowSamplersError);
  });

  it('is deterministic under a seed and differs across seeds', () => {
    const a = sampleTrainingSigmas(8, { kind: 'logit-normal' }, 42);
    expect(sampleTrainingSigmas(8, { kind: 'logit-normal' }, 42)).toEqual(a);
    expect(sampleTrainingSigmas(8, { kind: 'logit-normal' }, 43)).not.toEqual(a);
    const r = seededUniform(1);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});

describe('loss weighting', () => {
  it('matches the SD3 formulas at hand-computed points', () => {
    expect(lossWeight(0.25, 'sigma_sqrt')).toBeCloseTo(16, 12);
    // cosmap at 0.25: 1 - 0.5 + 0.125 = 0.625 -> 2 / (0.625 pi)
    expect(lossWeight(0.25, 'cosmap')).toBeCloseTo(2 / (0.625 * Math.PI), 12);
    expect(lossWeights([0.1, 0.9], 'none')).toEqual([1, 1]);
  });

  it('bell weights average to 1 over the training timesteps, peak at sigma 1/2 and vanish at sigma 1', () => {
    let sum = 0;
    for (let t = 1000; t >= 1; t--) sum += lossWeight(t / 1000, 'bell');
    expect(sum / 1000).toBeCloseTo(1, 9);
    expect(lossWeight(1, 'bell')).toBeCloseTo(0, 12);
    expect(lossWeight(0.5, 'bell')).toBeGreaterThan(lossWeight(0.3, 'bell'));
    expect(lossWeight(0.5, 'bell')).toBeGreaterThan(lossWeight(0.7, 'bell'));
  });
});
