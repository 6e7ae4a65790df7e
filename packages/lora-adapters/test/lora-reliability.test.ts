import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Generator, Linear, Module, serializeSafetensors, type RawTensor } from '@loraflow/tensor-core';
import { LoraError, LoraFormatError, convertLoraFile, f32ToRaw, inspectLoraFile, loadLora, openLoraFile, type LoraLayer } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-reliability-'));
const f32 = (shape: number[], fill = 0.5): RawTensor => f32ToRaw(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill), shape, 'F32');

async function fileOf(name: string, tensors: Record<string, RawTensor>): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, await serializeSafetensors(tensors));
  return path;
}

class TwoLinears extends Module {
  first: Linear;
  second: Linear;
  constructor() {
    super();
    const g = new Generator(3);
    this.first = new Linear(4, 4, { generator: g });
    this.second = new Linear(4, 4, { generator: g });
  }
}

/** The module tree (paths and classes) and every parameter's values: what a failed load must not change. */
async function snapshot(model: Module): Promise<{ modules: string[]; params: Record<string, number[]> }> {
  const params: Record<string, number[]> = {};
  for (const [name, p] of model.namedParameters()) params[name] = Array.from((await p.data()) as Float32Array);
  return { modules: model.namedModules().map(([name, m]) => `${name}:${m.constructor.name}`), params };
}

async function refusedEverywhere(path: string, message: RegExp): Promise<void> {
  for (const run of [() => openLoraFile(path), () => inspectLoraFile(path), () => loadLora(new TwoLinears(), path), () => convertLoraFile(path, join(dir, 'out.safetensors'), { to: 'kohya' })]) {
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LoraError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(message);
  }
}

describe('LoRA files that used to crash or pass silently', () => {
  it('a bias key without its lora_A / lora_B partner is a typed error naming the key (was a TypeError)', async () => {
    const path = await fileOf('bias-only.safetensors', { 'transformer.a.lora_B.bias': f32([1]) });
    await refusedEverywhere(path, /layer "transformer\.a" has "transformer\.a\.lora_B\.bias" but no down \(lora_down \/ lora_A\) factor/);
  });

  it('a rank-0 layer is refused by inspect, convert and loadLora', async () => {
    const path = await fileOf('rank0.safetensors', { 'first.lora_A.weight': f32([0, 4]), 'first.lora_B.weight': f32([4, 0]) });
    await refusedEverywhere(path, /rank 0 \(down \[0,4\], up \[4,0\]\), expected rank >= 1/);
  });

  it('a key of 100,000 characters is quoted in part, so the message stays one short line', async () => {
    const long = `${'x'.repeat(100_000)}.lora_B.bias`;
    const error = await openLoraFile(await fileOf('long-key.safetensors', { [long]: f32([1]) })).catch((e: Error) => e);
    expect(error).toBeInstanceOf(LoraFormatError);
    expect((error as Error).message.length).toBeLessThan(400);
  });

  it('a YAML file passed as a LoRA says "not a safetensors file"; a missing one "no such file"', async () => {
    const yaml = join(dir, 'run.yaml');
    writeFileSync(yaml, 'model: models/tiny\ndataset: data\nsteps: 10\n');
    await expect(inspectLoraFile(yaml)).rejects.toThrow(`${yaml}: not a safetensors file`);
    await expect(loadLora(new TwoLinears(), join(dir, 'missing.safetensors'))).rejects.toThrow(`${join(dir, 'missing.safetensors')}: no such file`);
  });
});

describe('loadLora is all or nothing', () => {
  const layer = (module: string, rank: number, fill = 0.25): LoraLayer => ({ module, kind: 'linear', kernel: [1, 1], rank, alpha: rank, down: f32([rank, 4], fill), up: f32([4, rank], fill) });

  it('a module named twice fails before the first module is wrapped (was: first wrapped, then threw)', async () => {
    const model = new TwoLinears();
    const before = await snapshot(model);
    await expect(loadLora(model, [layer('first', 2), layer('second', 2), layer('first', 1)])).rejects.toThrow(/two layers adapt module "first"/);
    expect(await snapshot(model)).toEqual(before);
  });

  it('a bad last layer in strict mode leaves the module tree and every parameter as they were', async () => {
    const model = new TwoLinears();
    const before = await snapshot(model);
    const bad = { ...layer('second', 2), up: f32([5, 2]) };
    await expect(loadLora(model, [layer('first', 2), bad])).rejects.toThrow(LoraFormatError);
    expect(await snapshot(model)).toEqual(before);
    const file = await fileOf('good-then-bad.safetensors', { 'first.lora_A.weight': f32([2, 4]), 'first.lora_B.weight': f32([4, 2]), 'second.lora_A.weight': f32([2, 4]), 'second.lora_B.weight': f32([3, 2]) });
    await expect(loadLora(model, file)).rejects.toThrow(file);
    expect(await snapshot(model)).toEqual(before);
  });

  it('a rank the adapter options refuse (fractional) is caught in planning, not half-way through applying', async () => {
    const model = new TwoLinears();
    const before = await snapshot(model);
    await expect(loadLora(model, [layer('first', 2), { ...layer('second', 2), rank: 2.5 }])).rejects.toThrow(LoraError);
    expect(await snapshot(model)).toEqual(before);
  });

  it('after a failed load the same model still takes a good LoRA', async () => {
    const model = new TwoLinears();
    await expect(loadLora(model, [layer('first', 2), layer('first', 2)])).rejects.toThrow();
    const report = await loadLora(model, [layer('first', 2), layer('second', 1)]);
    expect(report.loaded).toEqual(['first', 'second']);
  });
});
