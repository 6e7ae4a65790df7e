import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLoraFile, rawToF32, writeLoraFile, type LoraFormat } from '@loraflow/lora-adapters';
import { generateI2lLora, targetModulePaths, type I2lExpertInput } from '../src/index.js';
import { FIXTURE_TABLE, delta, fixture, readTensors, relativeError } from './fixture-files.js';

const dir = mkdtempSync(join(tmpdir(), 'i2l-generate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const out = (name: string) => join(dir, `${n++}-${name}`);

/** Checks every module's merged delta (alpha/rank) up @ down against the golden's B @ A. */
async function expectDeltas(path: string, golden: string, rank: number): Promise<void> {
  const expected = await readTensors(fixture(golden));
  const reader = await openLoraFile(path, { moduleNames: targetModulePaths(FIXTURE_TABLE) });
  expect(reader.layers.length).toBe(24);
  for await (const layer of reader) {
    expect(layer.rank).toBe(rank);
    const a = expected.get(`${layer.module}.lora_A.default.weight`)!;
    const b = expected.get(`${layer.module}.lora_B.default.weight`)!;
    const s = layer.alpha / layer.rank;
    const got = delta(rawToF32(layer.down), rawToF32(layer.up), layer.rank).map((v) => v * s);
    expect(relativeError(got, delta(a.values, b.values, rank)), layer.module).toBeLessThan(1e-4);
  }
  await reader.close();
}

const style = (images: number[]): I2lExpertInput => ({ model: fixture('style-f32.safetensors'), embeddings: images.map((i) => fixture(`emb-style-${i}.safetensors`)) });

describe('generateI2lLora merges as DiffSynth\'s pipeline', () => {
  it('Style with one image', async () => {
    const path = out('style1.safetensors');
    const r = await generateI2lLora({ experts: [style([0])], output: path, targets: FIXTURE_TABLE, dtype: 'F32' });
    expect([r.modules, r.rank, r.format]).toEqual([24, 4, 'diffsynth']);
    await expectDeltas(path, 'expected-style-merge1.safetensors', 4);
  });

  it('Style with three images: rank 12, lora_A scaled by 1/3 (the mean of the deltas)', async () => {
    const path = out('style3.safetensors');
    const progress: number[] = [];
    const r = await generateI2lLora({ experts: [style([0, 1, 2])], output: path, targets: FIXTURE_TABLE, dtype: 'F32', onProgress: (p) => progress.push(p.done) });
    expect(r.rank).toBe(12);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await expectDeltas(path, 'expected-style-merge3.safetensors', 12);
  });

  it('Coarse + Fine (2 images each) + Bias: experts summed, images averaged, Bias once', async () => {
    const path = out('cfb.safetensors');
    const r = await generateI2lLora({
      experts: [
        { model: fixture('coarse.safetensors'), embeddings: [0, 1].map((i) => fixture(`emb-coarse-${i}.safetensors`)) },
        { model: fixture('fine.safetensors'), embeddings: [0, 1].map((i) => fixture(`emb-fine-${i}.safetensors`)) },
      ],
      bias: fixture('bias.safetensors'),
      output: path,
      targets: FIXTURE_TABLE,
      dtype: 'F32',
    });
    expect(r.rank).toBe(4 * 2 * 2 + 2);
    expect(r.experts.map((e) => [e.images, e.dtype])).toEqual([[2, 'F32'], [2, 'BF16']]);
    await expectDeltas(path, 'expected-coarse-fine-bias.safetensors', 18);
  });

  for (const format of ['kohya', 'peft', 'comfy'] as LoraFormat[]) {
    it(`writes the same deltas as ${format}`, async () => {
      const path = out(`${format}.safetensors`);
      await generateI2lLora({ experts: [style([0, 1, 2])], output: path, targets: FIXTURE_TABLE, format, dtype: 'F32' });
      const reader = await openLoraFile(path, { moduleNames: targetModulePaths(FIXTURE_TABLE) });
      expect(reader.format).toBe(format);
      await reader.close();
      await expectDeltas(path, 'expected-style-merge3.safetensors', 12);
    });
  }

  it('defaults to the model file\'s dtype (bf16 in, bf16 out)', async () => {
    const path = out('bf16.safetensors');
    const r = await generateI2lLora({ experts: [{ model: fixture('style-bf16.safetensors'), embeddings: [fixture('emb-style-0.safetensors')] }], output: path, targets: FIXTURE_TABLE });
    expect(r.dtype).toBe('BF16');
    const reader = await openLoraFile(path, { moduleNames: targetModulePaths(FIXTURE_TABLE) });
    expect(reader.layers.every((l) => l.down.dtype === 'BF16' && l.up.dtype === 'BF16')).toBe(true);
    await reader.close();
  });

  it('leaves no file behind when the Bias LoRA lacks a module', async () => {
    const bias = await openLoraFile(fixture('bias.safetensors'));
    const oneBlock = out('one-block-bias.safetensors');
    const layers = [];
    for await (const l of bias) if (l.module.startsWith('transformer_blocks.0.')) layers.push(l);
    await bias.close();
    await writeLoraFile(oneBlock, layers, { format: 'diffsynth' });
    const path = out('bad-bias.safetensors');
    await expect(generateI2lLora({ experts: [style([0])], bias: oneBlock, output: path, targets: FIXTURE_TABLE })).rejects.toThrow(
      /one-block-bias\.safetensors: the Bias LoRA has no layer for "transformer_blocks\.1\.attn\.to_q" \(and 11 more\); expected all 24 target modules/,
    );
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('bad-bias'))).toEqual([]);
  });
});
