import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, Generator, noGrad, rand, randn, tensor, tidy, type Tensor } from '@loraflow/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createPipeline, FlowDitError, loadPipeline, savePipeline, validatePipelineConfig } from '../src/index.js';
import { tinyConfig } from './tiny-config.js';

const maxAbsDiff = async (a: Tensor, b: Tensor) => {
  const x = (await a.data()) as Float32Array, y = (await b.data()) as Float32Array;
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
};

describe('pipeline', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('maps images -> latents -> images and predicts a velocity of the latent shape', () => {
    const p = createPipeline(tinyConfig(), { generator: new Generator(5) });
    noGrad(() => {
      const z = p.encodeImages(rand([2, 3, 32, 32], { seed: 1, low: -1, high: 1 }));
      expect(z.shape).toEqual([2, 4, 8, 8]);
      expect(p.latentShape).toEqual([4, 8, 8]);
      expect(p.decodeLatents(z).shape).toEqual([2, 3, 32, 32]);
      const cond = p.encodePrompt(['a green forest', 'a desert at noon with dunes']);
      expect(cond.hidden.shape).toEqual([2, 7, 16]);
      expect(p.velocity(z, tensor([0.3, 0.9], [2]), cond).shape).toEqual([2, 4, 8, 8]);
    });
    p.dispose();
  });

  it('applies the latent mean/std: decode(encode) uses z * std + mean on the raw decoder input', async () => {
    const p = createPipeline(tinyConfig(), { generator: new Generator(6) });
    const img = rand([1, 3, 32, 32], { seed: 2, low: -1, high: 1 });
    const [raw, normalized] = noGrad(() => [p.vae.encoder.forward(img), p.vae.encode(img)]);
    const r = (await raw.data()) as Float32Array, n = (await normalized.data()) as Float32Array;
    const { latentsMean, latentsStd } = tinyConfig().vae;
    for (let i = 0; i < r.length; i++) {
      const c = Math.floor(i / 64) % 4;
      expect(Math.abs(n[i] - (r[i] - latentsMean[c]) / latentsStd[c])).toBeLessThan(1e-5 * (1 + Math.abs(n[i])));
    }
    p.dispose();
  });

  it('ignores padded text positions: the image output does not change with what sits under the mask', async () => {
    const p = createPipeline(tinyConfig(), { generator: new Generator(7) });
    const x = randn([1, 4, 8, 8], { seed: 3 });
    const cond = noGrad(() => p.encodePrompt(['short', 'a much longer prompt here']));
    const first = noGrad(() => ({ hidden: cond.hidden.slice([0, 0, 0], [1, 5, 16]), mask: cond.mask.slice([0, 0], [1, 5]) }));
    const trimmed = noGrad(() => ({ hidden: cond.hidden.slice([0, 0, 0], [1, 2, 16]), mask: cond.mask.slice([0, 0], [1, 2]) }));
    const a = noGrad(() => p.velocity(x, tensor([0.5], [1]), first));
    const b = noGrad(() => p.velocity(x, tensor([0.5], [1]), trimmed));
    expect(await maxAbsDiff(a, b)).toBeLessThan(1e-5);
    p.dispose();
  });

  it('gives a sampler-style velocity model that repeats a batch-1 condition over the latents', async () => {
    const p = createPipeline(tinyConfig(), { generator: new Generator(8) });
    const x = randn([2, 4, 8, 8], { seed: 4 });
    const cond = noGrad(() => p.encodePrompt(['a green forest']));
    const v = await p.velocityModel()(x, 0.7, cond);
    const cond2 = noGrad(() => p.encodePrompt(['a green forest', 'a green forest']));
    const w = noGrad(() => p.velocity(x, tensor([0.7, 0.7], [2]), cond2));
    expect(await maxAbsDiff(v, w)).toBeLessThan(1e-5);
    p.dispose();
  });

  it('saves and loads: f32 reproduces outputs exactly, bf16 within bf16 rounding', async () => {
    const p = createPipeline(tinyConfig(), { generator: new Generator(9) });
    const dir = await mkdtemp(join(tmpdir(), 'flow-dit-'));
    dirs.push(dir);
    const x = randn([1, 4, 8, 8], { seed: 5 });
    const run = (q: typeof p) => noGrad(() => q.velocity(x, tensor([0.4], [1]), q.encodePrompt(['snowy mountains at night'])));
    await savePipeline(p, join(dir, 'f32'));
    const q = await loadPipeline(join(dir, 'f32'));
    expect(q.config).toEqual(p.config);
    expect(await maxAbsDiff(run(p), run(q))).toBe(0);
    await savePipeline(p, join(dir, 'bf16'), { dtype: 'bf16' });
    const r = await loadPipeline(join(dir, 'bf16'));
    const ref = run(p);
    const scale = ((await ref.abs().max().item()) as number);
    const diff = await maxAbsDiff(ref, run(r));
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.05 * scale);
    p.dispose();
    q.dispose();
    r.dispose();
  });

  it('rejects a state dict of the wrong size, naming the file and key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flow-dit-'));
    dirs.push(dir);
    const small = createPipeline(tinyConfig(), { generator: new Generator(10) });
    await savePipeline(small, dir);
    const cfg = tinyConfig();
    cfg.transformer.mlpRatio = 3;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
    await expect(loadPipeline(dir)).rejects.toThrow(/transformer\.safetensors.*img_mlp\.net\.0\.proj\.weight/);
    small.dispose();
  });

  it('validates configs with messages that name the field', () => {
    const cfg = tinyConfig();
    cfg.transformer.ropeAxes = [2, 2, 2];
    expect(() => validatePipelineConfig(cfg)).toThrow(FlowDitError);
    expect(() => validatePipelineConfig(cfg)).toThrow(/ropeAxes/);
    const cfg2 = tinyConfig();
    cfg2.textEncoder.hidden = 24;
    expect(() => validatePipelineConfig(cfg2)).toThrow(/textDim 16 != textEncoder.hidden 24/);
  });

  it('overfits one batch: the flow-matching loss of a tiny model falls by more than half', async () => {
    const p = createPipeline(tinyConfig(), { generator: new Generator(11) });
    const params = [...p.transformer.parameters(), ...p.textEncoder.parameters()];
    const opt = new AdamW(params, { lr: 3e-3, weightDecay: 0 });
    const x0 = randn([2, 4, 8, 8], { seed: 6 });
    const noise = randn([2, 4, 8, 8], { seed: 7 });
    const sig = [0.3, 0.7];
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      const loss = tidy(() => {
        const s = tensor(sig, [2, 1, 1, 1]);
        const xt = x0.mul(s.neg().add(1)).add(noise.mul(s));
        const v = p.velocity(xt, tensor(sig, [2]), p.encodePrompt(['red desert', 'blue sea']));
        const l = v.sub(noise.sub(x0)).square().mean();
        l.backward();
        opt.step();
        opt.zeroGrad();
        return l;
      });
      losses.push(await loss.item());
      loss.dispose();
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
    p.dispose();
  });
});

describe('loadPipeline on a wrong folder', () => {
  it('a missing folder and missing or non-safetensors weights say so with the path, never a raw ENOENT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flow-dit-bad-'));
    await expect(loadPipeline(join(dir, 'nope'))).rejects.toThrow(`${join(dir, 'nope', 'config.json')}: no such file`);
    await savePipeline(createPipeline(tinyConfig(), { generator: new Generator(1) }), dir);
    await rm(join(dir, 'transformer.safetensors'));
    await expect(loadPipeline(dir)).rejects.toThrow(new RegExp(`^${join(dir, 'transformer.safetensors').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: no such file$`));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'transformer.safetensors'), 'model: not weights\n');
    await expect(loadPipeline(dir)).rejects.toThrow(`${join(dir, 'transformer.safetensors')}: not a safetensors file`);
    await expect(loadPipeline(dir)).rejects.toBeInstanceOf(FlowDitError);
  });
});
