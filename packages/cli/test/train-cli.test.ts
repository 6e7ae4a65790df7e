import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Generator } from '@loraflow/tensor-core';
import { createPipeline, savePipeline } from '@loraflow/flow-dit';
import { decodeImage, generateSceneDataset } from '@loraflow/datasets';
import { inspectLoraFile } from '@loraflow/lora-adapters';
import { register as registerTrain } from '../src/commands/train.js';
import { register as registerSample } from '../src/commands/sample.js';
import { TINY } from './tiny-pipeline.js';


const dir = mkdtempSync(join(tmpdir(), 'cli-train-'));
const modelDir = join(dir, 'base');
const dataDir = join(dir, 'data');

async function run(args: string[]): Promise<string> {
  const program = new Command('loraflow').exitOverride();
  registerTrain(program);
  registerSample(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  await program.parseAsync(['node', 'loraflow', ...args]);
  vi.restoreAllMocks();
  return out;
}

afterEach(() => vi.restoreAllMocks());

beforeAll(async () => {
  await savePipeline(createPipeline(structuredClone(TINY), { generator: new Generator(3) }), modelDir);
  await generateSceneDataset(dataDir, { themes: ['cherry-blossom'], count: 4, width: 40, height: 32, seed: 1 });
});

describe('loraflow train', () => {
  it('trains from a YAML recipe and writes the LoRA, its EMA twin, the checkpoint and the loss curve', async () => {
    const config = join(dir, 'recipe.yaml');
    writeFileSync(config, ['model: base', 'dataset: data', 'output_dir: out', 'output_name: style', 'linear_rank: 4', 'conv_rank: 2', 'batch_size: 2', 'steps: 4', 'gradient_accumulation: 1',
      'resolution: [32]', 'bucket_step: 8', 'scheduler: flowmatch', 'loss: mse', 'dtype: bf16', 'ema_deacy: 0.9', 'learning_rate: 1e-3', 'seed: 1'].join('\n'));
    const json = JSON.parse(await run(['train', config, '--json']));
    expect(json.step).toBe(4);
    for (const f of ['style.safetensors', 'style-ema.safetensors', 'checkpoint.safetensors', 'loss-curve.png', 'losses.json']) expect(existsSync(join(dir, 'out', f)), f).toBe(true);
    const summary = await inspectLoraFile(join(dir, 'out', 'style.safetensors'));
    expect(summary.format).toBe('kohya');
    expect(summary.modules.length).toBeGreaterThan(10);
    expect(summary.modules.every((m) => m.rank === 4)).toBe(true);
  });

  it('trains from a minimal recipe (model, dataset, steps) at the model\'s own resolution', async () => {
    const config = join(dir, 'minimal.yaml');
    writeFileSync(config, 'model: base\ndataset: data\nsteps: 2\noutput_dir: minimal\nlinear_rank: 2\nconv_rank: 2\n');
    const json = JSON.parse(await run(['train', config, '--json']));
    expect(json.step).toBe(2);
    const summary = await inspectLoraFile(json.loraPath);
    expect(summary.metadata.ss_resolution).toBe('[32]');
  });

  it('fails naming the key when the recipe has a typo', async () => {
    const config = join(dir, 'typo.yaml');
    writeFileSync(config, 'model: base\ndataset: data\nlearning_rat: 1e-4\n');
    await expect(run(['train', config])).rejects.toThrow(/typo\.yaml: unknown key "learning_rat" \(did you mean "learning_rate"\?\)/);
  });
});

describe('loraflow sample', () => {
  it('writes an image of the model resolution; LoRA scale 0 equals the base model and scale 1 differs', async () => {
    const lora = join(dir, 'out', 'style.safetensors');
    if (!existsSync(lora)) await run(['train', join(dir, 'recipe.yaml'), '--json']);
    const common = ['--model', modelDir, '--prompt', 'maplestorybg, a 2D side scrolling background', '--steps', '3', '--seed', '5', '--cfg', '3', '--true-cfg-norm'];
    const paths = [join(dir, 'base.png'), join(dir, 's0.png'), join(dir, 's1.png')];
    await run(['sample', ...common, '-o', paths[0]]);
    await run(['sample', ...common, '--lora', lora, '--scale', '0', '-o', paths[1]]);
    const text = await run(['sample', ...common, '--lora', lora, '--scale', '1', '--sampler', 'heun', '-o', paths[2]]);
    expect(text).toMatch(/heun 3 steps, cfg 3 norm, LoRA scale 1/);
    const [base, s0, s1] = await Promise.all(paths.map(async (p) => decodeImage(await readFile(p))));
    expect([base.width, base.height]).toEqual([32, 32]);
    expect(Array.from(s0.data)).toEqual(Array.from(base.data));
    expect(Array.from(s1.data)).not.toEqual(Array.from(base.data));
  });

  it('takes any flow-samplers sampler, a width and height, one scale per LoRA, and prints JSON', async () => {
    const lora = join(dir, 'out', 'style.safetensors');
    if (!existsSync(lora)) await run(['train', join(dir, 'recipe.yaml'), '--json']);
    const common = ['--model', modelDir, '--prompt', 'a 2D side scrolling background', '--steps', '2', '--seed', '5', '--cfg', '1'];
    const one = join(dir, 'one.png'), two = join(dir, 'two.png');
    const json = JSON.parse(await run(['sample', ...common, '--sampler', 'dpmpp-2m', '--width', '48', '--height', '24', '--lora', lora, '--scale', '1', '-o', one, '--json']));
    expect(json).toMatchObject({ output: one, width: 48, height: 24, sampler: 'dpmpp-2m', steps: 2, loras: [{ file: lora, scale: 1 }] });
    expect(json.loras[0].layers).toBeGreaterThan(10);
    // The same LoRA twice at scales 1 and 0 draws what it draws alone at 1.
    await run(['sample', ...common, '--sampler', 'dpmpp-2m', '--width', '48', '--height', '24', '--lora', lora, lora, '--scale', '1', '0', '-o', two]);
    const [a, b] = await Promise.all([one, two].map(async (p) => decodeImage(await readFile(p))));
    expect([b.width, b.height]).toEqual([48, 24]);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    await expect(run(['sample', ...common, '--lora', lora, lora, lora, '--scale', '1', '0', '-o', two])).rejects.toThrow('--scale: 2 scales for 3 --lora files');
    await expect(run(['sample', ...common, '--width', '30', '-o', two])).rejects.toThrow('sampleImages: option "width" is 30, expected a multiple of 8');
  });

  it('rejects a CFG scale below 1 naming the flag', async () => {
    await expect(run(['sample', '--model', modelDir, '--prompt', 'x', '--cfg', '0.5', '-o', join(dir, 'x.png')])).rejects.toThrow(/--cfg 0\.5: expected a number >= 1/);
  });
});
