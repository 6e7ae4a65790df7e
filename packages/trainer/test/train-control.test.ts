import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '@loraflow/tensor-core';
import { trainLora, withModelDefaults, TRAINING_FILES, type TrainingEvent, type StepLogLine } from '../src/index.js';
import { standInModel } from './stand-in-model.js';
import { sceneFolder, smallConfig } from './train-fixture.js';

async function weights(path: string): Promise<Record<string, number[]>> {
  const r = await readSafetensors(path);
  const all = await r.readAll();
  await r.close();
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(all)) out[k] = Array.from((await t.data()) as Float32Array);
  return out;
}

async function stepLog(dir: string): Promise<StepLogLine[]> {
  return (await readFile(join(dir, TRAINING_FILES.stepLog), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as StepLogLine);
}

let data: string;
beforeAll(async () => {
  data = await sceneFolder();
});

describe('extending and changing a finished run', () => {
  it('more steps (with new save and sample settings) continue from the checkpoint to the LoRA of one longer run', async () => {
    const whole = await trainLora(standInModel(1), await smallConfig(data, { steps: 10 }));
    const c = await smallConfig(data, { steps: 5 });
    const first = await trainLora(standInModel(1), c);
    expect(first.step).toBe(5);
    const more = await trainLora(standInModel(1), { ...c, steps: 10, save_every: 3, sample_every: 0, output_name: 'longer', divergence_factor: 20 });
    expect(more.resumedFrom).toBe(5);
    expect(more.losses).toEqual(whole.losses);
    expect(await weights(more.loraPath!)).toEqual(await weights(whole.loraPath!));
    expect(await weights(more.emaLoraPath!)).toEqual(await weights(whole.emaLoraPath!));
  });

  it('refuses fewer steps than already done, naming the key', async () => {
    const c = await smallConfig(data, { steps: 4 });
    await trainLora(standInModel(1), c);
    await expect(trainLora(standInModel(1), { ...c, steps: 3 })).rejects.toThrow(/key "steps" is 3, but the checkpoint has already done 4 steps/);
  });

  it('refuses more steps under a cosine schedule, which would reshape the steps already taken', async () => {
    const c = await smallConfig(data, { steps: 4, lr_scheduler: 'cosine' });
    await trainLora(standInModel(1), c);
    await expect(trainLora(standInModel(1), { ...c, steps: 8 })).rejects.toThrow(/key "steps" changed from 4 to 8, which reshapes the learning-rate schedule/);
  });

  it('refuses a change that alters the numbers, naming every changed key', async () => {
    const c = await smallConfig(data, { steps: 4 });
    await trainLora(standInModel(1), c);
    await expect(trainLora(standInModel(1), { ...c, seed: 8, batch_size: 1 })).rejects.toThrow(/keys "batch_size" 2 -> 1, "seed" 7 -> 8/);
  });
});

describe('stopping on request', () => {
  it('finishes the step, writes a checkpoint and the LoRA so far, and a second run continues to the uninterrupted result', async () => {
    const whole = await trainLora(standInModel(2), await smallConfig(data, { steps: 8 }));
    const c = await smallConfig(data, { steps: 8 });
    const stop = new AbortController();
    const events: TrainingEvent[] = [];
    const stopped = await trainLora(standInModel(2), c, { signal: stop.signal, onStep: (p) => p.step === 3 && stop.abort(), onEvent: (e) => events.push(e) });
    expect(stopped).toMatchObject({ step: 3, interrupted: true });
    expect(stopped.loraPath).toBe(join(c.output_dir, 'lora-step000003.safetensors'));
    expect(events.at(-1)!.message).toMatch(/stopped at step 3 of 8: checkpoint .*checkpoint\.safetensors, LoRA so far .*lora-step000003\.safetensors/);
    const r = await readSafetensors(join(c.output_dir, TRAINING_FILES.checkpoint));
    expect(JSON.parse(r.metadata.loraflow_training_state).step).toBe(3);
    await r.close();
    const rest = await trainLora(standInModel(2), c);
    expect(rest.resumedFrom).toBe(3);
    expect(await weights(rest.loraPath!)).toEqual(await weights(whole.loraPath!));
  });
});

describe('step log', () => {
  it('holds one JSON line per step with loss, lr, grad norm and seconds, and a resume after a kill rewrites the lost steps once', async () => {
    const c = await smallConfig(data, { steps: 6, save_every: 2, lr_scheduler: 'constant_with_warmup', lr_warmup_steps: 4 });
    await trainLora(standInModel(3), c, { stopAfter: 3 }); // killed after step 3; the checkpoint is at step 2
    expect((await stepLog(c.output_dir)).map((l) => l.step)).toEqual([1, 2, 3]);
    const done = await trainLora(standInModel(3), c);
    const log = await stepLog(c.output_dir);
    expect(log.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(log.map((l) => l.loss)).toEqual(done.losses);
    expect(log.map((l) => l.lr)).toEqual([1, 2, 3, 4, 4, 4].map((k) => (c.learning_rate * k) / 4));
    for (const l of log) {
      expect(l.grad_norm).toBeGreaterThan(0);
      expect(l.seconds).toBeGreaterThan(0);
    }
  });
});

describe('defaults from the model and the dataset report', () => {
  it('a config without resolution or bucket_step trains at the model\'s own resolution and bucket step', () => {
    const c = withModelDefaults({ resolution: 64, bucketStep: 16 }, { resolution: [], bucket_step: 0 } as never);
    expect([c.resolution, c.bucket_step]).toEqual([[64], 16]);
    expect(() => withModelDefaults({}, { resolution: [], bucket_step: 8 } as never)).toThrow(/key "resolution" is not set and the model does not say its resolution/);
    expect(() => withModelDefaults({ resolution: 60, bucketStep: 16 }, { resolution: [], bucket_step: 0 } as never)).toThrow(/"resolution" holds 60, expected multiples of bucket_step 16/);
  });

  it('reports images without a caption and images in unread formats once at the start, with counts and first paths', async () => {
    const dir = await sceneFolder();
    const captions = (await import('node:fs/promises')).readdir;
    const txt = (await captions(join(dir, 'wide'))).filter((f) => f.endsWith('.txt')).sort();
    for (const f of txt) await rm(join(dir, 'wide', f));
    await writeFile(join(dir, 'notes.md'), 'not an image');
    await writeFile(join(dir, 'old.gif'), 'GIF89a');
    const events: TrainingEvent[] = [];
    await trainLora(standInModel(4), await smallConfig(dir, { steps: 2 }), { onEvent: (e) => events.push(e) });
    const notes = events.filter((e) => e.kind === 'dataset');
    expect(notes).toHaveLength(2);
    expect(notes[0].message).toBe('1 image in formats that are not read, left out: old.gif (convert them to PNG)');
    expect(notes[1].message).toMatch(/^4 of 6 images have no caption and train on the empty caption: wide\/\S+\.png, wide\/\S+\.png, wide\/\S+\.png, and 1 more$/);
  });
});

describe('trainLora checks what code passes it', () => {
  it('names a bad option or config key before any work', async () => {
    const c = await smallConfig(data, { steps: 2 });
    await expect(trainLora(standInModel(5), c, { stopAfter: -1 })).rejects.toThrow('trainLora: option "stopAfter" is -1, expected an integer >= 0');
    await expect(trainLora(standInModel(5), { ...c, learning_rate: -1 })).rejects.toThrow('trainLora config: key "learning_rate" is -1, expected a number > 0');
    await expect(trainLora(standInModel(5), { ...c, learning_rat: 1 } as never)).rejects.toThrow('trainLora config: unknown key "learning_rat" (did you mean "learning_rate"?)');
  });
});
