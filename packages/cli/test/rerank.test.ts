import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readSafetensors, writeSafetensors, type RawTensor } from '@loraflow/tensor-core';
import { register } from '../src/commands/rerank.js';
import { runCommand } from './run-command.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-rerank-'));

/** A seeded float32 tensor as raw safetensors bytes. */
function f32(shape: number[], seed: number): RawTensor {
  let s = seed;
  const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
  return { dtype: 'F32', shape, bytes: new Uint8Array(values.buffer) };
}

async function kohyaInput(): Promise<string> {
  const path = join(dir, 'in.safetensors');
  const stem = 'lora_unet_transformer_blocks_0_attn_to_k';
  const stem2 = 'lora_unet_transformer_blocks_0_img_mlp_net_2';
  await writeSafetensors(path, {
    [`${stem}.lora_down.weight`]: f32([8, 24], 1),
    [`${stem}.lora_up.weight`]: f32([20, 8], 2),
    [`${stem}.alpha`]: { dtype: 'F32', shape: [], bytes: new Uint8Array(Float32Array.of(8).buffer) },
    [`${stem2}.lora_down.weight`]: f32([8, 30], 3),
    [`${stem2}.lora_up.weight`]: f32([16, 8], 4),
    [`${stem2}.alpha`]: { dtype: 'F32', shape: [], bytes: new Uint8Array(Float32Array.of(4).buffer) },
  });
  return path;
}

const run = async (args: string[]): Promise<string> => (await runCommand(register, 'rerank', ...args)).out;

afterEach(() => vi.restoreAllMocks());

describe('loraflow rerank', () => {
  it('--rank writes the new ranks and --json reports what the file holds', async () => {
    const input = await kohyaInput();
    const out = join(dir, 'r3.safetensors');
    const report = JSON.parse(await run([input, '-o', out, '--rank', '3', '--json']));
    const padded = JSON.parse(await run([input, '-o', join(dir, 'r12.safetensors'), '--rank', '12', '--pad', 'trainable', '--json']));
    expect(padded.layers.map((l: { rankOut: number; keptRank: number }) => [l.rankOut, l.keptRank])).toEqual([
      [12, 8],
      [12, 8],
    ]);
    expect(padded.totals.relFroError).toBeLessThan(1e-6);
    expect(report.inputFormat).toBe('kohya');
    expect(report.layers).toHaveLength(2);
    const file = await readSafetensors(out);
    for (const layer of report.layers) {
      expect(layer.rankOut).toBe(3);
      const stem = `lora_unet_${layer.name.replaceAll('.', '_')}`;
      expect(file.info(`${stem}.lora_down.weight`).shape).toEqual([3, layer.shape[1]]);
      expect(file.info(`${stem}.lora_up.weight`).shape).toEqual([layer.shape[0], 3]);
    }
    const alphas = report.layers.map((l: { alphaIn: number; alphaOut: number }) => l.alphaOut / l.alphaIn);
    expect(alphas).toEqual([3 / 8, 3 / 8]);
    expect(report.totals.relFroError).toBeGreaterThan(0);
    await file.close();
  });

  it('--dynamic with --max-rank, --split and --to prints a table and converts the format', async () => {
    const input = await kohyaInput();
    const out = join(dir, 'dyn.safetensors');
    const text = await run([input, '-o', out, '--dynamic', 'sv_fro:0.99', '--max-rank', '5', '--split', 'up', '--to', 'diffusers']);
    expect(text).toMatch(/transformer_blocks\.0\.attn\.to_k\s+20x24\s+8->5/);
    expect(text).toContain('kohya -> peft');
    const file = await readSafetensors(out);
    expect(file.keys).toContain('transformer.transformer_blocks.0.attn.to_k.lora_A.weight');
    expect(file.info('transformer.transformer_blocks.0.attn.to_k.lora_A.weight').shape).toEqual([5, 24]);
    await file.close();
  });

  it('rejects --rank together with --dynamic, and unknown formats, naming the option', async () => {
    const input = await kohyaInput();
    await expect(run([input, '-o', join(dir, 'x.safetensors'), '--rank', '2', '--dynamic', 'sv_fro:0.9'])).rejects.toThrow(/exactly one of --rank/);
    await expect(run([input, '-o', join(dir, 'x.safetensors'), '--rank', '2', '--to', 'lycoris'])).rejects.toThrow(/--to lycoris/);
    await expect(run([input, '-o', join(dir, 'x.safetensors'), '--dynamic', 'sv_fro:2'])).rejects.toThrow(/sv_fro:2/);
    expect(() => readFileSync(join(dir, 'x.safetensors'))).toThrow();
  });
});
