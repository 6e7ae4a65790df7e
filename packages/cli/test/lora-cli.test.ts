import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Generator, writeSafetensors } from '@loraflow/tensor-core';
import { f32ToRaw, openLoraFile, rawToF32, writeLoraFile, type LoraLayer } from '@loraflow/lora-adapters';
import { register } from '../src/commands/lora.js';
import { runCommand } from './run-command.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-lora-'));
let n = 0;
const tmp = (name: string) => join(dir, `${n++}-${name}`);

const MODULES = [
  ['transformer_blocks.0.attn.to_out.0', 24, 20],
  ['transformer_blocks.0.attn.add_q_proj', 24, 24],
  ['transformer_blocks.1.img_mlp.net.0.proj', 24, 40],
] as const;

function layers(seed: number, rank: number, alpha: number): LoraLayer[] {
  const g = new Generator(seed);
  return MODULES.map(([module, i, o]) => ({
    module, kind: 'linear', kernel: [1, 1], rank, alpha,
    down: f32ToRaw(g.normal(rank * i), [rank, i], 'F32'),
    up: f32ToRaw(g.normal(o * rank), [o, rank], 'F32'),
  }));
}

/** The f64 delta (alpha/r) up @ down of a layer, row-major [out, in]. */
function delta(l: LoraLayer): Float64Array {
  const d = rawToF32(l.down);
  const u = rawToF32(l.up);
  const [out, r] = l.up.shape;
  const cols = d.length / r;
  const s = l.alpha / l.rank;
  const m = new Float64Array(out * cols);
  for (let o = 0; o < out; o++) for (let k = 0; k < r; k++) for (let c = 0; c < cols; c++) m[o * cols + c] += s * u[o * r + k] * d[k * cols + c];
  return m;
}

async function readLayers(path: string): Promise<{ format: string; layers: Map<string, LoraLayer> }> {
  const r = await openLoraFile(path);
  const out = new Map<string, LoraLayer>();
  for await (const l of r) out.set(l.module, l);
  await r.close();
  return { format: r.format, layers: out };
}

const run = async (args: string[]): Promise<string> => (await runCommand(register, 'lora', ...args)).out;

afterEach(() => vi.restoreAllMocks());

const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('loraflow lora', () => {
  it('inspect --json reports format, ranks, alphas, dtypes, parameters and metadata', async () => {
    const path = tmp('k.safetensors');
    await writeLoraFile(path, layers(1, 4, 2), { format: 'kohya', metadata: { ss_output_name: 'x' } });
    const s = JSON.parse(await run(['inspect', path, '--json']));
    expect([s.format, s.layers, s.ranks, s.alphas, s.dtypes]).toEqual(['kohya', 3, { 4: 3 }, { 2: 3 }, { F32: 6 }]);
    expect(s.parameters).toBe(MODULES.reduce((p, [, i, o]) => p + 4 * (i + o), 0));
    expect(s.metadata.ss_output_name).toBe('x');
    expect(s.modules.map((m: { module: string }) => m.module)).toEqual(MODULES.map(([m]) => m));
    const text = await run(['inspect', path, '--layers']);
    expect(text).toMatch(/format: +kohya/);
    expect(text).toMatch(/transformer_blocks\.0\.attn\.to_out\.0 +linear 24->20 +rank 4 +alpha 2/);
  });

  it('convert --to peft folds alpha and keeps every delta', async () => {
    const src = tmp('k.safetensors');
    const out = tmp('p.safetensors');
    const original = layers(2, 4, 1);
    await writeLoraFile(src, original, { format: 'kohya' });
    const result = JSON.parse(await run(['convert', src, '-o', out, '--to', 'diffusers', '--json']));
    expect([result.from, result.to, result.layers]).toEqual(['kohya', 'peft', 3]);
    const back = await readLayers(out);
    expect(back.format).toBe('peft');
    for (const l of original) {
      const c = back.layers.get(l.module)!;
      expect(c.alpha).toBe(c.rank);
      const ref = delta(l);
      expect(maxDiff(delta(c), ref) / Math.max(...ref.map(Math.abs))).toBeLessThan(1e-6);
    }
  });

  it('merge --weights concatenates along rank and scale --by multiplies the deltas', async () => {
    const a = tmp('a.safetensors');
    const b = tmp('b.safetensors');
    const la = layers(3, 2, 1);
    const lb = layers(4, 3, 6);
    await writeLoraFile(a, la, { format: 'comfy' });
    await writeLoraFile(b, lb, { format: 'kohya' });
    const merged = tmp('m.safetensors');
    await run(['merge', a, b, '-o', merged, '--weights', '0.25,-2', '--quiet']);
    const scaled = tmp('s.safetensors');
    await run(['scale', merged, '--output', scaled, '--by', '3', '--to', 'kohya', '--quiet']);
    const m = await readLayers(merged);
    const s = await readLayers(scaled);
    expect([m.format, s.format]).toEqual(['comfy', 'kohya']);
    for (let i = 0; i < MODULES.length; i++) {
      const ref = delta(la[i]).map((v, j) => 0.25 * v - 2 * delta(lb[i])[j]);
      const scale = Math.max(...ref.map(Math.abs));
      expect(m.layers.get(MODULES[i][0])!.rank).toBe(5);
      expect(maxDiff(delta(m.layers.get(MODULES[i][0])!), ref) / scale).toBeLessThan(1e-5);
      expect(maxDiff(delta(s.layers.get(MODULES[i][0])!), ref.map((v) => 3 * v)) / (3 * scale)).toBeLessThan(1e-5);
    }
  });

  it('bad input fails with a clear message and leaves no file behind', async () => {
    const sub = mkdtempSync(join(dir, 'bad-'));
    const src = join(sub, 'bad.safetensors');
    const f = (shape: number[]) => f32ToRaw(new Float32Array(shape.reduce((x, y) => x * y, 1)).fill(0.5), shape, 'F32');
    await writeSafetensors(src, { 'lora_unet_transformer_blocks_0_attn_to_q.lora_down.weight': f([4, 8]), 'lora_unet_transformer_blocks_0_attn_to_q.lora_up.weight': f([8, 2]) });
    const out = join(sub, 'out.safetensors');
    await expect(run(['convert', src, out, '--to', 'peft'])).rejects.toThrow(/rank mismatch: down \[4,8\] has rank 4, up \[8,2\] has rank 2/);
    await expect(run(['convert', src, out, '--to', 'safetensors'])).rejects.toThrow(/--to safetensors: expected one of kohya, peft, comfy, diffsynth/);
    await expect(run(['merge', src, src, '-o', out, '--weights', '1'])).rejects.toThrow(/1 weights for 2 input files/);
    await expect(run(['scale', src, out, '--by', 'abc'])).rejects.toThrow(/--by abc: expected a number/);
    await expect(run(['convert', src, '--to', 'peft'])).rejects.toThrow('--output is required');
    await expect(run(['convert', src, out, '-o', `${out}2`, '--to', 'peft'])).rejects.toThrow(/--output given twice with different paths/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(sub)).toEqual(['bad.safetensors']);
  });
});
