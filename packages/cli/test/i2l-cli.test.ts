import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '@loraflow/tensor-core';
import { f32ToRaw, openLoraFile, rawToF32 } from '@loraflow/lora-adapters';
import { register } from '../src/commands/i2l.js';
import { runCommand } from './run-command.js';

// Reduced-size DiffSynth-layout files and goldens from tools/golden/i2l-golden.py.
const fx = (name: string) => fileURLToPath(new URL(`../../i2l-model/test/fixtures/${name}`, import.meta.url));
const TARGETS = ['--targets', fx('targets.json')];
const dir = mkdtempSync(join(tmpdir(), 'cli-i2l-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmp = (name: string) => join(dir, `${n++}-${name}`);
const run = (...args: string[]) => runCommand(register, 'i2l', ...TARGETS, ...args);

/** The float64 delta up @ down of factors down [r, in], up [out, r]. */
function delta(down: Float32Array, up: Float32Array, rank: number, scale = 1): Float64Array {
  const cols = down.length / rank;
  const rows = up.length / rank;
  const m = new Float64Array(rows * cols);
  for (let o = 0; o < rows; o++) for (let k = 0; k < rank; k++) for (let c = 0; c < cols; c++) m[o * cols + c] += scale * up[o * rank + k] * down[k * cols + c];
  return m;
}

/** Largest relative error over the modules of `path` against a golden merged LoRA (DiffSynth's forward + merge). */
async function deltaError(path: string, golden: string): Promise<{ error: number; modules: number; rank: number }> {
  const g = await readSafetensors(fx(golden));
  const reader = await openLoraFile(path);
  let error = 0, modules = 0, rank = 0;
  for await (const l of reader) {
    const a = rawToF32(await g.readRaw(`${l.module}.lora_A.default.weight`));
    const b = rawToF32(await g.readRaw(`${l.module}.lora_B.default.weight`));
    const want = delta(a, b, a.length / l.down.shape[1]);
    const got = delta(rawToF32(l.down), rawToF32(l.up), l.rank, l.alpha / l.rank);
    let err = 0, ref = 0;
    for (let i = 0; i < want.length; i++) {
      err = Math.max(err, Math.abs(got[i] - want[i]));
      ref = Math.max(ref, Math.abs(want[i]));
    }
    error = Math.max(error, err / ref);
    modules++;
    rank = l.rank;
  }
  await reader.close();
  await g.close();
  return { error, modules, rank };
}

describe('loraflow i2l', () => {
  it('Style with 1 embeddings file equals DiffSynth\'s LoRA', async () => {
    const out = tmp('style1.safetensors');
    await run('--model', fx('style-f32.safetensors'), '--embeddings', fx('emb-style-0.safetensors'), '-o', out, '--dtype', 'f32', '--quiet');
    const r = await deltaError(out, 'expected-style-merge1.safetensors');
    expect([r.modules, r.rank]).toEqual([24, 4]);
    expect(r.error).toBeLessThan(1e-4);
  });

  it('Style with 3 embeddings files: rank 12, the mean delta, DiffSynth names, --json summary', async () => {
    const out = tmp('style3.safetensors');
    const { out: text } = await run('--model', fx('style-f32.safetensors'), '--embeddings', ...[0, 1, 2].map((i) => fx(`emb-style-${i}.safetensors`)), '-o', out, '--dtype', 'f32', '--json');
    const summary = JSON.parse(text);
    expect([summary.modules, summary.rank, summary.format, summary.experts[0].images]).toEqual([24, 12, 'diffsynth', 3]);
    expect(summary.peakMemoryBytes).toBeGreaterThan(0);
    expect(summary.seconds).toBeGreaterThan(0);
    const r = await deltaError(out, 'expected-style-merge3.safetensors');
    expect(r.error).toBeLessThan(1e-4);
    const file = await readSafetensors(out);
    expect(file.has('transformer_blocks.1.txt_mod.1.lora_A.default.weight')).toBe(true);
    await file.close();
  });

  it('Coarse + Fine + Bias: two --model/--embeddings pairs and --bias', async () => {
    const out = tmp('cfb.safetensors');
    await run(
      '--model', fx('coarse.safetensors'), '--embeddings', fx('emb-coarse-0.safetensors'), fx('emb-coarse-1.safetensors'),
      '--model', fx('fine.safetensors'), '--embeddings', fx('emb-fine-0.safetensors'), fx('emb-fine-1.safetensors'),
      '--bias', fx('bias.safetensors'), '-o', out, '--dtype', 'f32', '--quiet',
    );
    const r = await deltaError(out, 'expected-coarse-fine-bias.safetensors');
    expect([r.modules, r.rank]).toEqual([24, 18]);
    expect(r.error).toBeLessThan(1e-4);
  });

  it('--format kohya and --rank re-rank the result through pca-rerank', async () => {
    const out = tmp('kohya-r2.safetensors');
    const { out: text } = await run('--model', fx('style-f32.safetensors'), '--embeddings', ...[0, 1, 2].map((i) => fx(`emb-style-${i}.safetensors`)), '-o', out, '--format', 'kohya', '--rank', '2', '--json');
    expect(JSON.parse(text)).toMatchObject({ rank: 2, mergedRank: 12, format: 'kohya' });
    const reader = await openLoraFile(out);
    expect(reader.format).toBe('kohya');
    expect(new Set(reader.layers.map((l) => l.rank))).toEqual(new Set([2]));
    await reader.close();
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('a residual passed to Style is ignored with a note', async () => {
    const out = tmp('style-res.safetensors');
    const { out: text } = await run('--model', fx('style-f32.safetensors'), '--embeddings', fx('emb-coarse-0.safetensors'), '-o', out, '--json');
    expect(JSON.parse(text).notes[0]).toMatch(/emb-coarse-0\.safetensors: residual ignored: .*has no residual path, as in DiffSynth/);
  });
});

describe('loraflow i2l refuses bad input with one line and no output file', () => {
  async function expectRefused(args: string[], message: RegExp): Promise<void> {
    const out = tmp('refused.safetensors');
    const error = await run(...args, '-o', out).then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(message);
    expect(error!.message.includes('\n')).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith(out.split('/').pop()!))).toEqual([]);
  }

  it('a model with a missing key', async () => {
    const src = await readSafetensors(fx('style-f32.safetensors'));
    const kept: Record<string, ReturnType<typeof f32ToRaw>> = {};
    for (const k of src.keys) if (k !== 'blocks.5.layers.2.proj_b.proj_out.weight') kept[k] = await src.readRaw(k);
    await src.close();
    const bad = tmp('missing-key.safetensors');
    await writeSafetensors(bad, kept);
    await expectRefused(['--model', bad, '--embeddings', fx('emb-style-0.safetensors')], /missing-key\.safetensors: missing "blocks\.5\.layers\.2\.proj_b\.proj_out\.weight", expected shape \[32,4\]/);
  });

  it('an embedding of the wrong length', async () => {
    const bad = tmp('short-emb.safetensors');
    await writeSafetensors(bad, { image_embedding: f32ToRaw(new Float32Array(23).fill(0.25), [1, 23], 'F32') });
    await expectRefused(['--model', fx('style-f32.safetensors'), '--embeddings', fx('emb-style-0.safetensors'), bad], /short-emb\.safetensors: image_embedding has 23 values, but .*style-f32\.safetensors expects 24/);
  });

  it('a residual length that does not fit the model', async () => {
    await expectRefused(['--model', fx('coarse.safetensors'), '--embeddings', fx('emb-fine-0.safetensors')], /emb-fine-0\.safetensors: residual is \[5, 10\], but .*coarse\.safetensors \(custom\) expects \[3, 10\]/);
  });

  it('Coarse without a residual', async () => {
    await expectRefused(['--model', fx('coarse.safetensors'), '--embeddings', fx('emb-style-0.safetensors')], /emb-style-0\.safetensors: no "residual" tensor, but .*coarse\.safetensors \(custom\) needs residual \[3, 10\]/);
  });

  it('a LoRA file passed as a model', async () => {
    await expectRefused(['--model', fx('bias.safetensors'), '--embeddings', fx('emb-style-0.safetensors')], /bias\.safetensors: ".*lora_[AB]\.default\.weight" is a LoRA tensor: this is a LoRA file, not an i2L model/);
  });

  it('a model passed as an embeddings file', async () => {
    await expectRefused(['--model', fx('style-f32.safetensors'), '--embeddings', fx('style-bf16.safetensors')], /style-bf16\.safetensors: no "image_embedding" tensor/);
  });

  it('embeddings before any model, and a model without embeddings', async () => {
    await expectRefused(['--embeddings', fx('emb-style-0.safetensors'), '--model', fx('style-f32.safetensors')], /--embeddings .*emb-style-0\.safetensors comes before any --model/);
    await expectRefused(['--model', fx('style-f32.safetensors')], /--model .*style-f32\.safetensors has no --embeddings after it/);
  });

  it('experts with different block counts', async () => {
    const src = await readSafetensors(fx('coarse.safetensors'));
    const kept: Record<string, ReturnType<typeof f32ToRaw>> = {};
    // Keep transformer block 0 only: generator blocks 0, 2, 4, 6 renumbered 0..3.
    for (const k of src.keys) {
      const m = /^blocks\.(\d+)\.(.*)$/.exec(k)!;
      if (Number(m[1]) % 2 === 0) kept[`blocks.${Number(m[1]) / 2}.${m[2]}`] = await src.readRaw(k);
    }
    await src.close();
    const one = tmp('coarse-1block.safetensors');
    await writeSafetensors(one, kept);
    await expectRefused(
      ['--model', one, '--embeddings', fx('emb-coarse-0.safetensors'), '--model', fx('fine.safetensors'), '--embeddings', fx('emb-fine-0.safetensors')],
      /fine\.safetensors: 2 transformer blocks, but .*coarse-1block\.safetensors has 1/,
    );
  });

  it('bad flags', async () => {
    await expectRefused(['--model', fx('style-f32.safetensors'), '--embeddings', fx('emb-style-0.safetensors'), '--rank', '0'], /--rank 0: expected an integer >= 1/);
    await expectRefused(['--model', fx('style-f32.safetensors'), '--embeddings', fx('emb-style-0.safetensors'), '--format', 'onnx'], /--format onnx: expected one of kohya, peft, comfy, diffsynth/);
  });
});
