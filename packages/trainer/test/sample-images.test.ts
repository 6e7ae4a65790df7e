import { describe, expect, it } from 'vitest';
import { noGrad, randn } from '@loraflow/tensor-core';
import { injectLora } from '@loraflow/lora-adapters';
import { sampleImageTensor } from '../src/index.js';
import { standInModel } from './stand-in-model.js';

async function values(t: { data(): Promise<ArrayLike<number>>; dispose(): void }): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

describe('sampleImageTensor', () => {
  it('gives the same samples with the LoRA merged (to 1e-5) and restores the base weights (to 1e-6)', async () => {
    const model = standInModel(9, 8);
    injectLora(model.transformer, { rank: 2, convRank: 2, seed: 4 });
    noGrad(() => model.transformer.parameters().filter((p) => p.requiresGrad).forEach((p, i) => p.assign(randn(p.shape, { seed: 40 + i }).mul(0.3))));
    const before = await Promise.all(model.transformer.parameters().map(async (p) => Array.from(await p.data())));
    const opts = { prompt: ['a', 'b c'], steps: 4, cfg: 3, cfgNorm: true, loraScale: 0.7, seed: 2 } as const;
    const plain = await values(await sampleImageTensor(model, opts));
    const merged = await values(await sampleImageTensor(model, { ...opts, mergeLora: true }));
    expect(merged.length).toBe(2 * 3 * 8 * 8);
    merged.forEach((v, i) => expect(Math.abs(v - plain[i])).toBeLessThan(1e-5));
    const after = await Promise.all(model.transformer.parameters().map(async (p) => Array.from(await p.data())));
    after.forEach((p, k) => p.forEach((v, i) => expect(Math.abs(v - before[k][i])).toBeLessThan(1e-6)));
  });

  it('LoRA scale 0 samples the base model, a non-zero scale does not', async () => {
    const base = standInModel(9, 8);
    const withLora = standInModel(9, 8);
    injectLora(withLora.transformer, { rank: 2, convRank: 2, seed: 4 });
    noGrad(() => withLora.transformer.parameters().filter((p) => p.requiresGrad).forEach((p, i) => p.assign(randn(p.shape, { seed: 40 + i }).mul(0.3))));
    const opts = { prompt: 'a b', count: 2, steps: 3, cfg: 1, seed: 3 } as const;
    const ref = await values(await sampleImageTensor(base, opts));
    expect(await values(await sampleImageTensor(withLora, { ...opts, loraScale: 0 }))).toEqual(ref);
    expect(await values(await sampleImageTensor(withLora, { ...opts, loraScale: 1 }))).not.toEqual(ref);
  });
});
