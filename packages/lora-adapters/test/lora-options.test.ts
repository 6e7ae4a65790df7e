import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Linear, Module } from '@loraflow/tensor-core';
import { convertLoraFile, injectLora, inspectLoraFile, LoraError, loadLora, mergeLoraFiles, openLoraFile, saveLora, scaleLoraFile, writeLoraFile } from '../src/index.js';
import { qwenModules, syntheticLayers } from './synthetic-lora.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-options-'));
const src = join(dir, 'src.safetensors');
beforeAll(async () => {
  await writeLoraFile(src, syntheticLayers(qwenModules(1).slice(0, 2), { rank: 2, dtype: 'F32', seed: 1 }), { format: 'kohya' });
});

class Tiny extends Module {
  proj = new Linear(4, 4);
}

describe('public functions check their options and name the bad one', () => {
  it('convertLoraFile refuses an unknown format, a bare string and a missing "to", and writes nothing', async () => {
    const out = join(dir, 'out.safetensors');
    await expect(convertLoraFile(src, out, { to: 'onnx' as never })).rejects.toThrow(new LoraError('convertLoraFile: option "to" is "onnx", expected one of kohya, peft, comfy, diffsynth'));
    await expect(convertLoraFile(src, out, 'peft' as never)).rejects.toThrow(/^convertLoraFile: options must be an object of named options \(.*\), got "peft"$/);
    await expect(convertLoraFile(src, out, {} as never)).rejects.toThrow('convertLoraFile: option "to" is missing, expected one of kohya, peft, comfy, diffsynth');
    await expect(convertLoraFile(src, out, { to: 'peft', dtype: 'f16' as never })).rejects.toThrow('convertLoraFile: option "dtype" is "f16", expected one of F32, F16, BF16, F64');
    await expect(convertLoraFile(src, out, { to: 'peft', fromat: 'x' } as never)).rejects.toThrow(/convertLoraFile: unknown option "fromat"; expected one of moduleNames, resolver, to, dtype, metadata, onProgress/);
    expect(existsSync(out)).toBe(false);
  });

  it('the other file functions do the same', async () => {
    const out = join(dir, 'o.safetensors');
    await expect(scaleLoraFile(src, out, 2, { to: 'onnx' as never })).rejects.toThrow('scaleLoraFile: option "to" is "onnx"');
    await expect(mergeLoraFiles([src, src], out, { weights: 0.5 as never })).rejects.toThrow('mergeLoraFiles: option "weights" is 0.5, expected an array');
    await expect(inspectLoraFile(src, 'kohya' as never)).rejects.toThrow('inspectLoraFile: options must be an object');
    await expect(openLoraFile(src, { moduleNames: 5 as never })).rejects.toThrow('openLoraFile: option "moduleNames" is 5, expected a list');
    await expect(writeLoraFile(out, [], { format: 'onnx' as never })).rejects.toThrow('writeLoraFile: option "format" is "onnx"');
    expect(existsSync(out)).toBe(false);
  });

  it('model functions check theirs', async () => {
    const model = new Tiny();
    expect(() => injectLora(model, { rank: 0 })).toThrow('injectLora: option "rank" is 0, expected an integer >= 1');
    expect(() => injectLora(model, { dropout: 1 })).toThrow('injectLora: option "dropout" is 1, expected a number >= 0 < 1');
    injectLora(model, { rank: 2 });
    await expect(saveLora(model, join(dir, 's.safetensors'), { format: 'kohya', dtype: 'bf16' as never })).rejects.toThrow('saveLora: option "dtype" is "bf16"');
    await expect(loadLora(model, src, { multiplier: '1' as never })).rejects.toThrow('loadLora: option "multiplier" is "1", expected a number');
  });
});
