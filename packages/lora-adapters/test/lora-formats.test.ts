import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors, type RawTensor } from '@loraflow/tensor-core';
import {
  LORA_FORMATS,
  LoraFormatError,
  convertLoraFile,
  serializeLoraLayers,
  inspectLoraFile,
  LoraFileWriter,
  transformLoraFile,
  loraKeyNames,
  openLoraFile,
  rawToF32,
  writeLoraFile,
  type LoraFormat,
  type LoraLayer,
} from '../src/index.js';
import { qwenModules, relativeDeltaError, syntheticLayers, tinyQwenModules } from './synthetic-lora.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-formats-'));
let n = 0;
const tmp = (name: string) => join(dir, `${n++}-${name}`);

async function readAll(path: string): Promise<{ format: LoraFormat; layers: LoraLayer[] }> {
  const r = await openLoraFile(path);
  const layers: LoraLayer[] = [];
  for await (const l of r) layers.push(l);
  await r.close();
  return { format: r.format, layers };
}

describe('every format pair round-trips the effective delta on real Qwen-Image names and shapes', () => {
  // Two full-size blocks (3072 -> 18432 modulation, 12288 MLP) at rank 2; alpha != rank so folding matters.
  const modules = qwenModules(2);
  for (const dtype of ['F32', 'BF16'] as const) {
    // f32: each fold is one f32 rounding per factor (~1e-7 relative); bf16: 8-bit mantissa, ~4e-3 per rounding.
    const tol = dtype === 'F32' ? 1e-6 : 2e-2;
    for (const from of LORA_FORMATS) {
      it(`${dtype}: ${from} -> every format -> ${from}`, async () => {
        const original = syntheticLayers(modules, { rank: 2, dtype, seed: 7, alphaOf: (i) => (from === 'kohya' ? 0.5 + (i % 3) : 2) });
        const src = tmp(`${from}.safetensors`);
        await writeLoraFile(src, original, { format: from });
        const read = await readAll(src);
        expect(read.format).toBe(from);
        for (const to of LORA_FORMATS) {
          const mid = tmp(`${from}-${to}.safetensors`);
          const back = tmp(`${from}-${to}-${from}.safetensors`);
          await convertLoraFile(src, mid, { to });
          await convertLoraFile(mid, back, { to: from });
          const a = await readAll(mid);
          const b = await readAll(back);
          expect(a.format).toBe(to);
          expect(b.format).toBe(from);
          expect(a.layers.map((l) => l.module)).toEqual(modules.map((m) => m.module));
          for (let i = 0; i < original.length; i++) {
            expect(a.layers[i].down.dtype).toBe(dtype);
            expect(a.layers[i].up.dtype).toBe(dtype);
            expect(relativeDeltaError(original[i], a.layers[i])).toBeLessThan(tol);
            expect(relativeDeltaError(original[i], b.layers[i])).toBeLessThan(2 * tol);
          }
        }
      });
    }
  }
});

describe('Qwen-Image module names in every format', () => {
  const modules = tinyQwenModules();
  it('the 60-block table has 840 block linears with the kohya-ambiguous names', () => {
    const names = modules.map((m) => m.module);
    expect(names.filter((m) => m.startsWith('transformer_blocks.')).length).toBe(840);
    for (const m of ['transformer_blocks.59.attn.to_out.0', 'transformer_blocks.0.attn.add_q_proj', 'transformer_blocks.7.img_mlp.net.0.proj', 'transformer_blocks.3.txt_mod.1', 'proj_out']) {
      expect(names).toContain(m);
    }
  });

  for (const format of LORA_FORMATS) {
    it(`${format}: all 846 modules map to the expected keys and back`, async () => {
      const layers = syntheticLayers(modules, { rank: 1, dtype: 'F32', seed: 3 });
      const path = tmp(`names-${format}.safetensors`);
      await writeLoraFile(path, layers, { format });
      const st = await readSafetensors(path);
      const keys = new Set(st.keys);
      await st.close();
      for (const m of modules) {
        const k = loraKeyNames(format, m.module);
        expect(keys.has(k.down) && keys.has(k.up)).toBe(true);
      }
      const back = await readAll(path);
      expect(back.layers.map((l) => l.module)).toEqual(modules.map((m) => m.module));
      expect(back.layers.every((l) => l.resolved !== false)).toBe(true);
    });
  }

  it('inspect groups the 60 blocks by block index', async () => {
    const path = tmp('groups.safetensors');
    await writeLoraFile(path, syntheticLayers(modules, { rank: 1, dtype: 'F32', seed: 4 }), { format: 'kohya' });
    const s = await inspectLoraFile(path);
    expect(s.moduleGroups.length).toBe(14 + 6);
    expect(s.moduleGroups).toContainEqual({ pattern: 'transformer_blocks.{i}.attn.to_out.0', count: 60 });
    expect(s.moduleGroups).toContainEqual({ pattern: 'transformer_blocks.{i}.img_mlp.net.2', count: 60 });
    expect(s.moduleGroups).toContainEqual({ pattern: 'proj_out', count: 1 });
    expect([s.layers, s.ranks, s.parameters]).toEqual([846, { 1: 846 }, modules.length * 7]);
  });

  it('writes the exact key spellings each ecosystem uses', () => {
    const m = 'transformer_blocks.12.attn.to_out.0';
    expect(loraKeyNames('kohya', m)).toMatchObject({ down: 'lora_unet_transformer_blocks_12_attn_to_out_0.lora_down.weight', alpha: 'lora_unet_transformer_blocks_12_attn_to_out_0.alpha' });
    expect(loraKeyNames('peft', m).up).toBe('transformer.transformer_blocks.12.attn.to_out.0.lora_B.weight');
    expect(loraKeyNames('comfy', m).down).toBe('diffusion_model.transformer_blocks.12.attn.to_out.0.lora_A.weight');
    expect(loraKeyNames('diffsynth', m).down).toBe('transformer_blocks.12.attn.to_out.0.lora_A.default.weight');
  });
});

describe('alpha folding and hashes', () => {
  it('kohya -> peft folds sqrt(alpha/r) into each factor', async () => {
    const [layer] = syntheticLayers(qwenModules(1).slice(1, 2), { rank: 4, dtype: 'F32', seed: 11, alphaOf: () => 1 });
    const src = tmp('fold-kohya.safetensors');
    const dst = tmp('fold-peft.safetensors');
    await writeLoraFile(src, [layer], { format: 'kohya' });
    await convertLoraFile(src, dst, { to: 'peft' });
    const st = await readSafetensors(dst);
    expect(st.keys.some((k) => k.endsWith('.alpha'))).toBe(false);
    const down = rawToF32(await st.readRaw(loraKeyNames('peft', layer.module).down));
    const up = rawToF32(await st.readRaw(loraKeyNames('peft', layer.module).up));
    await st.close();
    const d0 = rawToF32(layer.down);
    const u0 = rawToF32(layer.up);
    const s = Math.sqrt(1 / 4);
    for (let i = 0; i < 50; i++) {
      expect(down[i]).toBeCloseTo(d0[i] * s, 6);
      expect(up[i]).toBeCloseTo(u0[i] * s, 6);
    }
  });

  it('peft -> kohya writes alpha = rank and kohya metadata with sshs_model_hash = sha256 of the data', async () => {
    const layers = syntheticLayers(qwenModules(1).slice(0, 3), { rank: 3, dtype: 'BF16', seed: 5 });
    const src = tmp('h-peft.safetensors');
    const dst = tmp('h-kohya.safetensors');
    await writeLoraFile(src, layers, { format: 'peft' });
    await convertLoraFile(src, dst, { to: 'kohya' });
    const r = await openLoraFile(dst);
    expect(r.layers.map((l) => l.alpha)).toEqual([3, 3, 3]);
    expect(r.metadata.ss_network_dim).toBe('3');
    expect(r.metadata.ss_network_alpha).toBe('3');
    await r.close();
    const bytes = readFileSync(dst);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    const expected = createHash('sha256').update(bytes.subarray(8 + headerLen)).digest('hex');
    expect(r.metadata.sshs_model_hash).toBe(expected);
  });

  it('the unplanned (body file) writer also stores sshs_model_hash = sha256 of the data', async () => {
    const path = tmp('h-body.safetensors');
    await writeLoraFile(path, syntheticLayers(qwenModules(1).slice(2, 4), { rank: 2, dtype: 'F32', seed: 8, alphaOf: (i) => i + 1 }), { format: 'kohya' });
    const bytes = readFileSync(path);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    const r = await openLoraFile(path);
    expect(r.metadata.sshs_model_hash).toBe(createHash('sha256').update(bytes.subarray(8 + headerLen)).digest('hex'));
    expect(r.metadata.ss_network_alpha).toBe('Dynamic');
    await r.close();
  });
});

describe('in-memory files (browsers)', () => {
  it('serializeLoraLayers builds the same file as the streaming writer, kohya hash included', async () => {
    const layers = syntheticLayers(qwenModules(1).slice(3, 6), { rank: 2, dtype: 'BF16', seed: 13, alphaOf: () => 1 });
    for (const format of LORA_FORMATS) {
      const bytes = await serializeLoraLayers(layers, { format, metadata: { ss_note: 'x' } });
      const path = tmp(`mem-${format}.safetensors`);
      await writeLoraFile(path, layers, { format, metadata: { ss_note: 'x' } });
      expect(Buffer.from(bytes).equals(readFileSync(path))).toBe(true);
      const r = await openLoraFile(bytes);
      expect(r.format).toBe(format);
      const back: LoraLayer[] = [];
      for await (const l of r) back.push(l);
      layers.forEach((l, i) => expect(relativeDeltaError(l, back[i])).toBeLessThan(2e-2));
      if (format === 'kohya') {
        const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
        expect(r.metadata.sshs_model_hash).toBe(createHash('sha256').update(bytes.subarray(8 + headerLen)).digest('hex'));
      }
      await r.close();
    }
  });
});

describe('reading files written by other tools', () => {
  it('reads a hand-built kohya file (alpha 0 means rank) and resolves the ambiguous underscore names', async () => {
    const f = (vals: number[], shape: number[]): RawTensor => ({ dtype: 'F32', shape, bytes: new Uint8Array(Float32Array.from(vals).buffer) });
    const path = tmp('hand-kohya.safetensors');
    await writeSafetensors(path, {
      'lora_unet_transformer_blocks_4_img_mlp_net_0_proj.lora_down.weight': f([1, 2, 3, 4], [2, 2]),
      'lora_unet_transformer_blocks_4_img_mlp_net_0_proj.lora_up.weight': f([1, 0, 0, 1, 1, 1], [3, 2]),
      'lora_unet_transformer_blocks_4_img_mlp_net_0_proj.alpha': f([0], []),
      'lora_unet_transformer_blocks_4_attn_add_q_proj.lora_down.weight': f([1, 2], [1, 2]),
      'lora_unet_transformer_blocks_4_attn_add_q_proj.lora_up.weight': f([3, 4], [2, 1]),
      'lora_unet_transformer_blocks_4_attn_add_q_proj.alpha': f([0.5], []),
    });
    const r = await openLoraFile(path);
    expect(r.format).toBe('kohya');
    expect(r.layers.map((l) => [l.module, l.rank, l.alpha])).toEqual([
      ['transformer_blocks.4.img_mlp.net.0.proj', 2, 2],
      ['transformer_blocks.4.attn.add_q_proj', 1, 0.5],
    ]);
    await r.close();
  });

  it('reads lora_down/lora_up on dotted paths with alpha (Qwen-Image-Lightning style) and converts them exactly', async () => {
    const [layer] = syntheticLayers(qwenModules(1).slice(7, 8), { rank: 4, dtype: 'F32', seed: 12, alphaOf: () => 2 });
    const stem = layer.module;
    const path = tmp('lightning.safetensors');
    await writeSafetensors(path, {
      [`${stem}.lora_down.weight`]: layer.down,
      [`${stem}.lora_up.weight`]: layer.up,
      [`${stem}.alpha`]: { dtype: 'F32', shape: [], bytes: new Uint8Array(Float32Array.of(2).buffer) },
    });
    const r = await openLoraFile(path);
    expect([r.format, r.layers[0].module, r.layers[0].alpha]).toEqual(['peft', 'transformer_blocks.0.attn.to_out.0', 2]);
    await r.close();
    const out = tmp('lightning-kohya.safetensors');
    await convertLoraFile(path, out, { to: 'kohya' });
    const back = await readAll(out);
    expect(relativeDeltaError(layer, back.layers[0])).toBeLessThan(1e-6);
  });

  it('detects ComfyUI and DiffSynth layouts and bare PEFT names', async () => {
    const f = (shape: number[]): RawTensor => ({ dtype: 'F32', shape, bytes: new Uint8Array(shape.reduce((a, b) => a * b, 1) * 4) });
    const cases: [string, string, LoraFormat][] = [
      ['diffusion_model.transformer_blocks.0.attn.to_q.lora_A.weight', 'diffusion_model.transformer_blocks.0.attn.to_q.lora_B.weight', 'comfy'],
      ['transformer_blocks.0.attn.to_q.lora_A.default.weight', 'transformer_blocks.0.attn.to_q.lora_B.default.weight', 'diffsynth'],
      ['transformer_blocks.0.attn.to_q.lora_A.weight', 'transformer_blocks.0.attn.to_q.lora_B.weight', 'peft'],
    ];
    for (const [a, b, format] of cases) {
      const path = tmp(`detect-${format}.safetensors`);
      await writeSafetensors(path, { [a]: f([2, 5]), [b]: f([6, 2]) });
      const r = await openLoraFile(path);
      expect([r.format, r.layers[0].module, r.layers[0].inFeatures, r.layers[0].outFeatures]).toEqual([format, 'transformer_blocks.0.attn.to_q', 5, 6]);
      await r.close();
    }
  });
});

describe('failures while writing leave nothing behind', () => {
  it('a transform that fails half-way leaves no output and no temp file', async () => {
    const sub = mkdtempSync(join(dir, 'mid-'));
    const src = join(sub, 'in.safetensors');
    await writeLoraFile(src, syntheticLayers(qwenModules(1).slice(1, 4), { rank: 2, dtype: 'F32', seed: 9 }), { format: 'kohya' });
    let seen = 0;
    const out = join(sub, 'out.safetensors');
    await expect(
      transformLoraFile(src, out, (l) => {
        if (++seen === 2) throw new Error('boom');
        return l;
      }, { to: 'peft' }),
    ).rejects.toThrow('boom');
    expect(readdirSync(sub)).toEqual(['in.safetensors']);
  });

  it('a planned writer rejects a layer that differs from the plan and commits nothing', async () => {
    const sub = mkdtempSync(join(dir, 'plan-'));
    const layers = syntheticLayers(qwenModules(1).slice(1, 3), { rank: 2, dtype: 'F32', seed: 10 });
    const out = join(sub, 'out.safetensors');
    const plan = layers.map((l) => ({ ...l, down: { dtype: l.down.dtype, shape: l.down.shape }, up: { dtype: l.up.dtype, shape: l.up.shape } }));
    const w = await LoraFileWriter.create(out, { format: 'comfy', plan });
    await expect(w.write(layers[1])).rejects.toThrow(/expected layer "transformer_blocks\.0\.attn\.to_q" \(alpha 2\) next, got "transformer_blocks\.0\.attn\.to_k"/);
    await w.write(layers[0]);
    await expect(w.commit()).rejects.toThrow(/only 1 of 2 planned layers were written/);
    expect(readdirSync(sub)).toEqual([]);
  });
});

describe('malformed or mismatched files give a clear error and write nothing', () => {
  const f = (shape: number[]): RawTensor => ({ dtype: 'F32', shape, bytes: new Uint8Array(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1).buffer) });
  const stem = 'lora_unet_transformer_blocks_0_attn_to_q';
  const cases: [string, Record<string, RawTensor>, RegExp][] = [
    ['rank mismatch', { [`${stem}.lora_down.weight`]: f([4, 8]), [`${stem}.lora_up.weight`]: f([8, 3]) }, /rank mismatch: down \[4,8\] has rank 4, up \[8,3\] has rank 3/],
    ['wrong up shape', { [`${stem}.lora_down.weight`]: f([4, 8]), [`${stem}.lora_up.weight`]: f([8, 4, 3]) }, /up has shape \[8,4,3\], expected \[out, rank\]/],
    ['missing up', { [`${stem}.lora_down.weight`]: f([4, 8]), [`${stem}.alpha`]: f([]) }, /no up \(lora_up \/ lora_B\) factor/],
    ['missing down', { [`${stem}.lora_up.weight`]: f([8, 4]) }, /no down \(lora_down \/ lora_A\) factor/],
    ['a text-encoder kohya network', { 'lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight': f([4, 8]), 'lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_up.weight': f([8, 4]) }, /not LoRA tensors of a supported format: "lora_te1_/],
    ['unknown keys', { [`${stem}.lora_down.weight`]: f([4, 8]), [`${stem}.lora_up.weight`]: f([8, 4]), [`${stem}.hada_w1_a`]: f([2, 2]) }, /not LoRA tensors of a supported format: ".*hada_w1_a"/],
    ['mixed formats', { [`${stem}.lora_down.weight`]: f([4, 8]), [`${stem}.lora_up.weight`]: f([8, 4]), 'transformer.x.lora_A.weight': f([4, 8]), 'transformer.x.lora_B.weight': f([8, 4]) }, /mixes key formats: kohya .* and peft/],
    ['alpha of no layer', { [`${stem}.lora_down.weight`]: f([4, 8]), [`${stem}.lora_up.weight`]: f([8, 4]), 'lora_unet_other.alpha': f([]) }, /alpha "lora_unet_other.alpha" belongs to no layer/],
    ['non-scalar alpha', { [`${stem}.lora_down.weight`]: f([4, 8]), [`${stem}.lora_up.weight`]: f([8, 4]), [`${stem}.alpha`]: f([2]) }, /expected one float/],
    ['unresolved kohya name converted to a dotted format', { 'lora_unet_blocks_0_mystery.lora_down.weight': f([4, 8]), 'lora_unet_blocks_0_mystery.lora_up.weight': f([8, 4]) }, /match no known module, e.g. "blocks_0_mystery"/],
  ];
  for (const [what, tensors, message] of cases) {
    it(what, async () => {
      const sub = mkdtempSync(join(dir, 'bad-'));
      const src = join(sub, 'in.safetensors');
      await writeSafetensors(src, tensors);
      const out = join(sub, 'out.safetensors');
      const error = await convertLoraFile(src, out, { to: 'peft' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LoraFormatError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(src);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(sub)).toEqual(['in.safetensors']);
    });
  }
});
