/** A tiny captioned scene folder and a config for trainer tests. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSceneDataset } from '@loraflow/datasets';
import { resolveTrainingConfig, type TrainingConfig } from '../src/index.js';

/** Writes 6 small scenes (two aspect ratios) with captions and returns the folder. */
export async function sceneFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trainer-data-'));
  await generateSceneDataset(join(dir, 'wide'), { themes: ['cherry-blossom'], count: 4, width: 24, height: 16, seed: 3 });
  await generateSceneDataset(join(dir, 'square'), { themes: ['desert'], count: 2, width: 16, height: 16, seed: 5 });
  return dir;
}

/** A small recipe on that folder writing to a fresh output folder. */
export async function smallConfig(dataset: string, overrides: Partial<TrainingConfig> = {}): Promise<TrainingConfig> {
  const out = await mkdtemp(join(tmpdir(), 'trainer-out-'));
  return resolveTrainingConfig({
    dataset, output_dir: out, linear_rank: 2, conv_rank: 2, batch_size: 2, steps: 12, resolution: [16], bucket_step: 8,
    learning_rate: 2e-2, ema_decay: 0.9, caption_dropout: 0.3, seed: 7, timestep_sampling: 'logit_normal', output_format: 'kohya', dtype: 'f32',
    ...overrides,
  });
}
