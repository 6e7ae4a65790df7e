import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Generator } from '@loraflow/tensor-core';
import { LoraError, f32ToRaw, mergeLoraFiles, openLoraFile, scaleLoraFile, writeLoraFile, type LoraLayer } from '../src/index.js';
import { deltaNorm, qwenModules, syntheticLayers } from './synthetic-lora.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-merge-'));
let n = 0;
const tmp = (name: string) => join(dir, `${n++}-${name}`);

async function readAll(path: string): Promise<Map<string, LoraLayer>> {
  const r = await openLoraFile(path);
  const out = new Map<string, LoraLayer>();
  for await (const l of r) out.set(l.module, l);
  await r.close();
  return out;
}

function convLayer(module: string, rank: number, alpha: number, seed: number): LoraLayer {
  const g = new Generator(seed);
  return {
    module,
    kind: 'conv',
    kernel: [3, 3],
    rank,
    alpha,
    down: f32ToRaw(g.normal(rank * 4 * 9), [rank, 4, 3, 3], 'F32'),
    up: f32ToRaw(g.normal(5 * rank), [5, rank, 1, 1], 'F32'),
  };
}

describe('concatenation merge of LoRA files', () => {
  it('the merged delta equals the weighted sum of the deltas, with differing ranks and alphas', async () => {
    const mods = qwenModules(1).slice(0, 4);
    const a = [...syntheticLayers(mods, { rank: 2, dtype: 'F32', seed: 1, alphaOf: () => 1 }), convLayer('conv_in', 2, 1, 9)];
    const b = [...syntheticLayers(mods.slice(0, 3), { rank: 3, dtype: 'F32', seed: 2, alphaOf: () => 6 }), convLayer('conv_in', 1, 4, 10)];
    const c = syntheticLayers(mods.slice(1), { rank: 1, dtype: 'F32', seed: 3, alphaOf: () => 0.25 });
    const files = [tmp('a.safetensors'), tmp('b.safetensors'), tmp('c.safetensors')];
    await writeLoraFile(files[0], a, { format: 'kohya' });
    await writeLoraFile(files[1], b, { format: 'kohya' });
    await writeLoraFile(files[2], c, { format: 'kohya' });
    const out = tmp('merged.safetensors');
    const weights = [0.5, 1.5, -1];
    const result = await mergeLoraFiles(files, out, { weights, moduleNames: [...mods.map((m) => m.module), 'conv_in'] });
    expect(result.partial).toEqual([mods[0].module, mods[3].module, 'conv_in']);
    const merged = await readAll(out);
    expect(merged.get(mods[1].module)!.rank).toBe(2 + 3 + 1);
    expect(merged.get('conv_in')!.rank).toBe(3);
    for (const [module, layer] of merged) {
      expect(layer.alpha).toBe(layer.rank);
      const terms = [a, b, c].flatMap((set, i) => set.filter((l) => l.module === module).map((l) => ({ layer: l, coef: weights[i] })));
      const err = deltaNorm([{ layer, coef: 1 }, ...terms.map((t) => ({ layer: t.layer, coef: -t.coef }))]) / deltaNorm(terms);
      expect(err).toBeLessThan(1e-6);
    }
  });

  it('weights 1/N give the mean (DiffSynth i2L merge) across formats', async () => {
    const mods = qwenModules(1).slice(1, 3);
    const sets = [1, 2, 3].map((seed) => syntheticLayers(mods, { rank: 4, dtype: 'BF16', seed }));
    const files = await Promise.all(
      sets.map(async (s, i) => {
        const f = tmp(`m${i}.safetensors`);
        await writeLoraFile(f, s, { format: (['diffsynth', 'peft', 'comfy'] as const)[i] });
        return f;
      }),
    );
    const out = tmp('mean.safetensors');
    await mergeLoraFiles(files, out, { weights: [1 / 3, 1 / 3, 1 / 3], to: 'diffsynth' });
    const merged = await readAll(out);
    for (const [module, layer] of merged) {
      expect(layer.down.dtype).toBe('BF16');
      const terms = sets.map((s) => ({ layer: s.find((l) => l.module === module)!, coef: 1 / 3 }));
      // bf16 re-rounding of the down rows scaled by 1/3: ~2^-9 relative per element.
      expect(deltaNorm([{ layer, coef: 1 }, ...terms.map((t) => ({ ...t, coef: -t.coef }))]) / deltaNorm(terms)).toBeLessThan(5e-3);
    }
  });

  it('mismatched inputs give a clear error and write nothing', async () => {
    const sub = mkdtempSync(join(dir, 'bad-'));
    const a = join(sub, 'a.safetensors');
    const b = join(sub, 'b.safetensors');
    const mods = qwenModules(1).slice(1, 2);
    await writeLoraFile(a, syntheticLayers(mods, { rank: 2, dtype: 'F32', seed: 1 }), { format: 'peft' });
    await writeLoraFile(b, syntheticLayers([{ ...mods[0], inFeatures: 64 }], { rank: 2, dtype: 'F32', seed: 1 }), { format: 'peft' });
    const out = join(sub, 'out.safetensors');
    await expect(mergeLoraFiles([a, b], out)).rejects.toThrow(/module "transformer_blocks\.0\.attn\.to_q" is linear 3072->3072 .* but linear 64->3072/);
    await expect(mergeLoraFiles([a, b], out, { weights: [1] })).rejects.toThrow(LoraError);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(sub).sort()).toEqual(['a.safetensors', 'b.safetensors']);
  });
});

describe('scaling a LoRA file', () => {
  for (const by of [0.35, -2]) {
    it(`multiplies every delta by ${by} and keeps format, dtype and alpha`, async () => {
      const layers = syntheticLayers(qwenModules(1).slice(0, 3), { rank: 2, dtype: 'BF16', seed: 4, alphaOf: (i) => i + 1 });
      const src = tmp('s.safetensors');
      const out = tmp('scaled.safetensors');
      await writeLoraFile(src, layers, { format: 'kohya' });
      await scaleLoraFile(src, out, by);
      const scaled = await readAll(out);
      for (const l of layers) {
        const s = scaled.get(l.module)!;
        expect([s.alpha, s.down.dtype, s.up.dtype]).toEqual([l.alpha, 'BF16', 'BF16']);
        expect(deltaNorm([{ layer: s, coef: 1 }, { layer: l, coef: -by }]) / deltaNorm([{ layer: l, coef: by }])).toBeLessThan(5e-3);
      }
    });
  }
});
