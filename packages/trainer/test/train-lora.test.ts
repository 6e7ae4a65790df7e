import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, readSafetensors, tidy, randn, full, noGrad, tensor } from '@loraflow/tensor-core';
import { noisyInput } from '@loraflow/flow-samplers';
import { decodeImage, loadDatasetFolder, loadTrainingBatch } from '@loraflow/datasets';
import { loadLora } from '@loraflow/lora-adapters';
import { trainLora, TrainingDivergedError, TRAINING_FILES } from '../src/index.js';
import { standInModel } from './stand-in-model.js';
import { sceneFolder, smallConfig } from './train-fixture.js';

async function tensorsOf(path: string): Promise<Record<string, Float32Array>> {
  const r = await readSafetensors(path);
  const all = await r.readAll();
  await r.close();
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(all)) out[k] = (await t.data()) as Float32Array;
  return out;
}

let data: string;
beforeAll(async () => {
  data = await sceneFolder();
});

describe('trainLora', () => {
  it('resumes after a kill at step 6 to the same LoRA as an uninterrupted 12-step run (bit for bit)', async () => {
    const full12 = await smallConfig(data, { save_every: 6, lr_scheduler: "cosine", lr_warmup_steps: 2 });
    const a = await trainLora(standInModel(1), full12);
    const split = await smallConfig(data, { save_every: 6, lr_scheduler: "cosine", lr_warmup_steps: 2 });
    const first = await trainLora(standInModel(1), split, { stopAfter: 6 });
    expect(first.loraPath).toBeUndefined();
    expect(first.step).toBe(6);
    // A fresh process: new model object with the same base weights; the checkpoint carries everything else.
    const b = await trainLora(standInModel(1), split);
    expect(b.resumedFrom).toBe(6);
    expect(b.losses).toEqual(a.losses);
    const wa = await tensorsOf(a.loraPath!), wb = await tensorsOf(b.loraPath!);
    expect(Object.keys(wb).sort()).toEqual(Object.keys(wa).sort());
    for (const k of Object.keys(wa)) expect(Array.from(wb[k]), k).toEqual(Array.from(wa[k]));
    const ea = await tensorsOf(a.emaLoraPath!), eb = await tensorsOf(b.emaLoraPath!);
    for (const k of Object.keys(ea)) expect(Array.from(eb[k]), k).toEqual(Array.from(ea[k]));
  });

  it('a different seed gives a different LoRA (the resume check can fail)', async () => {
    const a = await trainLora(standInModel(1), await smallConfig(data, { steps: 4 }));
    const b = await trainLora(standInModel(1), await smallConfig(data, { steps: 4, seed: 8 }));
    const wa = await tensorsOf(a.loraPath!), wb = await tensorsOf(b.loraPath!);
    const k = Object.keys(wa).find((n) => n.endsWith('lora_up.weight'))!;
    expect(Array.from(wb[k])).not.toEqual(Array.from(wa[k]));
  });

  it('lowers the flow-matching loss on held-fixed noise and sigmas compared with the base model', async () => {
    const c = await smallConfig(data, { steps: 80, caption_dropout: 0, learning_rate: 1e-2, ema_decay: 0, linear_rank: 3, conv_rank: 3, timestep_sampling: 'uniform' });
    const trained = standInModel(2);
    await trainLora(trained, c);
    const base = standInModel(2);
    const items = await loadDatasetFolder(data);
    const bucket = { width: 16, height: 16, resolution: 16 };
    const { pixels } = await loadTrainingBatch(items, items.flatMap((it, index) => (it.relativePath.startsWith('square') ? [{ index, bucket }] : [])));
    const evalLoss = async (m: ReturnType<typeof standInModel>) => {
      m.transformer.eval();
      const l = noGrad(() => tidy(() => {
        const x0 = concat([pixels, pixels, pixels, pixels], 0);
        const noise = randn([8, 3, 16, 16], { seed: 22 });
        const sig = Array.from({ length: 8 }, (_, i) => (i + 0.5) / 8);
        const xt = noisyInput(x0, noise, sig);
        const cond = m.encodePrompt(Array(8).fill('a 2D side scrolling background'));
        return m.velocity(xt, tensor(sig, [8]), cond).sub(noise.sub(x0)).square().mean();
      }));
      const v = await l.item();
      l.dispose();
      return v;
    };
    const [after, before] = [await evalLoss(trained), await evalLoss(base)];
    expect(after).toBeLessThan(0.7 * before);
  });

  it('writes a LoRA that reproduces the trained model when loaded into a fresh base model, an EMA twin, a loss curve and previews', async () => {
    const c = await smallConfig(data, { steps: 8, sample_every: 4, sample_prompts: ['a 2D side scrolling background', 'desert'], sample_steps: 3, sample_cfg: 2 });
    const trained = standInModel(3);
    const r = await trainLora(trained, c);
    const fresh = standInModel(3);
    const report = await loadLora(fresh.transformer, r.loraPath!);
    expect(report.loaded.sort()).toEqual(['conv', 'proj']);
    const [x, s, t] = [randn([2, 3, 8, 8], { seed: 11 }), full([2], 0.4), randn([2, 3], { seed: 12 })];
    trained.transformer.eval();
    fresh.transformer.eval();
    const diff = noGrad(() => tidy(() => trained.velocity(x, s, { text: t }).sub(fresh.velocity(x, s, { text: t })).abs().max()));
    // Both evaluate the same f32 ops on the same factors: only storage round-off could differ (f32 file).
    expect(await diff.item()).toBeLessThan(1e-6);
    const live = await tensorsOf(r.loraPath!), ema = await tensorsOf(r.emaLoraPath!);
    const up = Object.keys(live).find((n) => n.endsWith('lora_up.weight'))!;
    expect(Array.from(ema[up])).not.toEqual(Array.from(live[up]));
    const curve = await decodeImage(await readFile(r.lossCurvePath!));
    expect(curve.width).toBeGreaterThanOrEqual(640);
    for (const step of ['000004', '000008']) {
      const preview = await decodeImage(await readFile(join(c.output_dir, TRAINING_FILES.samples, `step-${step}.png`)));
      expect(preview.width).toBeGreaterThan(200);
    }
  });

  it('stops on a NaN loss with a message naming the step, and keeps the last good checkpoint untouched', async () => {
    const c = await smallConfig(data, { steps: 12, save_every: 4 });
    const model = standInModel(4);
    const seen: number[] = [];
    const run = trainLora(model, c, {
      onStep: (p) => {
        seen.push(p.step);
        if (p.step === 6) model.poison = true;
      },
    });
    await expect(run).rejects.toThrow(TrainingDivergedError);
    await expect(trainLora(standInModel(4), c, { stopAfter: 0 })).resolves.toMatchObject({ resumedFrom: 4 });
    const again = standInModel(4);
    again.poison = true;
    const err = (await trainLora(again, c).catch((e: unknown) => e)) as TrainingDivergedError;
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect(err.step).toBe(5);
    expect(err.message).toMatch(/training diverged at step 5: loss is NaN .*checkpoint\.safetensors \(step 4\) is kept/);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    const r = await readSafetensors(join(c.output_dir, TRAINING_FILES.checkpoint));
    expect(JSON.parse(r.metadata.loraflow_training_state).step).toBe(4);
    await r.close();
  });

  it('refuses to resume a checkpoint written with another recipe', async () => {
    const c = await smallConfig(data, { steps: 4, save_every: 2 });
    await trainLora(standInModel(5), c, { stopAfter: 2 });
    await expect(trainLora(standInModel(5), { ...c, learning_rate: 1e-3 })).rejects.toThrow(/checkpoint\.safetensors: the checkpoint was trained with other values of key "learning_rate" 0\.02 -> 0\.001/);
  });
});
