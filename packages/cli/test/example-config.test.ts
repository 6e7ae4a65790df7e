import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPipeline } from '@loraflow/flow-dit';
import { loadTrainingConfig, trainLora } from '@loraflow/trainer';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('the committed example config', () => {
  it('examples/train-config/run.yaml loads and trains (two steps, into a temporary folder)', async () => {
    const config = await loadTrainingConfig(join(repo, 'examples/train-config/run.yaml'));
    expect(config.model).toBe(join(repo, 'models/base'));
    const pipeline = await loadPipeline(config.model);
    try {
      const result = await trainLora(pipeline, { ...config, steps: 2, sample_every: 0, save_every: 0, output_dir: mkdtempSync(join(tmpdir(), 'example-config-')) });
      expect(result.step).toBe(2);
      expect(result.losses.every(Number.isFinite)).toBe(true);
    } finally {
      pipeline.dispose();
    }
  });
});
