import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator } from '@loraflow/tensor-core';
import { generateI2lLora, I2lError, I2lModel, readTargetTable, resolveI2lConfig, writeSyntheticI2lFile } from '../src/index.js';
import { FIXTURE_TABLE, fixture } from './fixture-files.js';

const dir = mkdtempSync(join(tmpdir(), 'i2l-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refuses = (call: () => unknown, pattern: RegExp) => {
  expect(call).toThrow(I2lError);
  expect(call).toThrow(pattern);
};
const rejects = async (call: () => Promise<unknown>, pattern: RegExp) => {
  await expect(call()).rejects.toThrow(I2lError);
  await expect(call()).rejects.toThrow(pattern);
};

describe('i2l-model options are checked like CLI flags', () => {
  it('I2lModel and resolveI2lConfig name the bad option', () => {
    refuses(() => new I2lModel(FIXTURE_TABLE, { compressDims: 4 } as never), /I2lModel: unknown option "compressDims"/);
    refuses(() => new I2lModel(FIXTURE_TABLE, { init: 'kaiming' } as never), /I2lModel: option "init" is "kaiming", expected one of diffsynth, default/);
    refuses(() => new I2lModel(FIXTURE_TABLE, { dtype: 'f64' } as never), /option "dtype" is "f64", expected one of f32, f16, bf16/);
    refuses(() => new I2lModel(FIXTURE_TABLE, { rank: 0 }), /option "rank" is 0, expected an integer >= 1/);
    refuses(() => new I2lModel(FIXTURE_TABLE, { residualScale: Number.NaN }), /option "residualScale" is NaN, expected a number/);
    refuses(() => new I2lModel(FIXTURE_TABLE, 'style' as never), /I2lModel: options must be an object.*got "style"/);
    refuses(() => resolveI2lConfig({ embeddingDim: Infinity }), /resolveI2lConfig: option "embeddingDim" is Infinity/);
    refuses(() => resolveI2lConfig({ residual: 5 } as never), /resolveI2lConfig: option "residual" is 5, expected \{length, midDim\} or null/);
    refuses(() => resolveI2lConfig('coarse' as never), /resolveI2lConfig: options must be an object/);
  });

  it('valid I2lModel options are unchanged', () => {
    const sizes = { embeddingDim: 6, compressDim: 3, residual: null, residualWidth: 4 };
    const a = new I2lModel(FIXTURE_TABLE, { ...sizes, generator: new Generator(5) });
    const b = new I2lModel(FIXTURE_TABLE, { ...sizes, generator: new Generator(5), init: undefined, device: undefined });
    const wa = a.blocks.items()[0].layers.items()[0].proj_a.proj_in.weight.toArray();
    const wb = b.blocks.items()[0].layers.items()[0].proj_a.proj_in.weight.toArray();
    expect(wb).toEqual(wa);
    expect(resolveI2lConfig({ rank: 2, residual: null }).rank).toBe(2);
  });

  it('generateI2lLora names the bad option before reading any file', async () => {
    const output = join(dir, 'never.safetensors');
    const experts = [{ model: fixture('style-f32.safetensors'), embeddings: [fixture('emb-style-0.safetensors')] }];
    await rejects(() => generateI2lLora({ experts, output, formt: 'peft' } as never), /generateI2lLora: unknown option "formt"/);
    await rejects(() => generateI2lLora({ experts, output, format: 'onnx' } as never), /option "format" is "onnx", expected one of kohya, peft, comfy, diffsynth/);
    await rejects(() => generateI2lLora({ experts, output, dtype: 'I8' } as never), /option "dtype" is "I8", expected one of F32, F16, BF16, F64/);
    await rejects(() => generateI2lLora({ experts, output: 42 } as never), /option "output" is 42, expected a string/);
    await rejects(() => generateI2lLora({ experts } as never), /option "output" is missing/);
    await rejects(() => generateI2lLora(output as never), /generateI2lLora: options must be an object/);
    expect(existsSync(output)).toBe(false);
  });

  it('writeSyntheticI2lFile and readTargetTable name the bad option', async () => {
    const config = resolveI2lConfig({ embeddingDim: 6, compressDim: 3, residual: null });
    const path = join(dir, 'synthetic.safetensors');
    await rejects(() => writeSyntheticI2lFile(path, config, FIXTURE_TABLE, { sead: 1 } as never), /writeSyntheticI2lFile: unknown option "sead"/);
    await rejects(() => writeSyntheticI2lFile(path, config, FIXTURE_TABLE, { dtype: 'bf16' } as never), /option "dtype" is "bf16", expected one of F32, F16, BF16, F64/);
    await rejects(() => writeSyntheticI2lFile(path, config, FIXTURE_TABLE, { seed: 0.5 }), /option "seed" is 0.5, expected an integer/);
    await rejects(() => writeSyntheticI2lFile(path, config, FIXTURE_TABLE, 'F32' as never), /writeSyntheticI2lFile: options must be an object/);
    expect(existsSync(path)).toBe(false);
    await rejects(() => readTargetTable(7 as never), /readTargetTable: source is 7, expected a string/);
    expect(await readTargetTable('qwen-image')).toBeDefined();
  });
});
