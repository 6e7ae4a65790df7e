import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openTensorSource, pairLoraKeys, rerankLoraFile, RerankError } from '../src/index.js';
import { normalArray } from './seeded-normal.js';
import { decodeSafetensors, encodeSafetensors, type TestTensor } from './safetensors-bytes.js';
import { denseProduct, denseSingularValues, frobeniusDistance, tailNorm } from './dense-reference.js';

const dir = mkdtempSync(join(tmpdir(), 'pca-rerank-'));

/** Writes a file image to disk and opens it through tensor-core's lazy reader. */
async function sourceOf(bytes: Uint8Array, name: string) {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return openTensorSource(path);
}

function kohyaFile(): Record<string, TestTensor> {
  return {
    'lora_unet_blocks_0_attn_to_q.lora_down.weight': { dtype: 'BF16', shape: [8, 12], values: normalArray(96, 1, 0.3) },
    'lora_unet_blocks_0_attn_to_q.lora_up.weight': { dtype: 'BF16', shape: [10, 8], values: normalArray(80, 2) },
    'lora_unet_blocks_0_attn_to_q.alpha': { dtype: 'F32', shape: [], values: [4] },
    'lora_unet_conv_in.lora_down.weight': { dtype: 'F32', shape: [8, 3, 3, 3], values: normalArray(216, 3, 0.3) },
    'lora_unet_conv_in.lora_up.weight': { dtype: 'F32', shape: [6, 8, 1, 1], values: normalArray(48, 4) },
    'lora_unet_conv_in.alpha': { dtype: 'F32', shape: [], values: [8] },
    'lora_unet_norm.diff_b': { dtype: 'F32', shape: [5], values: [1, 2, 3, 4, 5] },
  };
}

describe('rerankLoraFile', () => {
  it('round-trips a kohya file: same keys and dtypes, new shapes, alpha rescaled, deltas optimal', async () => {
    const input = kohyaFile();
    const out = join(dir, 'kohya.safetensors');
    const bytes = encodeSafetensors(input, { ss_network_dim: '8', ss_network_alpha: '4', sshs_model_hash: 'old', sshs_legacy_hash: 'old' });
    const result = await rerankLoraFile(await sourceOf(bytes, 'kohya-in.safetensors'), out, { rule: { method: 'fixed', rank: 3 } });
    const file = readFileSync(out);
    const written = decodeSafetensors(file);
    expect(Object.keys(written.tensors).sort()).toEqual(Object.keys(input).sort());
    expect((8 + written.headerLength) % 8).toBe(0);
    expect(written.tensors['lora_unet_blocks_0_attn_to_q.lora_down.weight']).toMatchObject({ dtype: 'BF16', shape: [3, 12] });
    expect(written.tensors['lora_unet_blocks_0_attn_to_q.lora_up.weight']).toMatchObject({ dtype: 'BF16', shape: [10, 3] });
    expect(written.tensors['lora_unet_conv_in.lora_down.weight'].shape).toEqual([3, 3, 3, 3]);
    expect(written.tensors['lora_unet_conv_in.lora_up.weight'].shape).toEqual([6, 3, 1, 1]);
    expect(written.tensors['lora_unet_blocks_0_attn_to_q.alpha'].values[0]).toBeCloseTo(4 * (3 / 8), 6);
    expect(Array.from(written.tensors['lora_unet_norm.diff_b'].values)).toEqual([1, 2, 3, 4, 5]);
    expect(written.metadata).toMatchObject({ ss_network_dim: '3', ss_network_alpha: 'Dynamic' });
    expect(written.metadata.sshs_legacy_hash).toBeUndefined();
    expect(written.metadata.sshs_model_hash).toBe(createHash('sha256').update(file.subarray(8 + written.headerLength)).digest('hex'));
    expect(result.passthrough).toEqual(['lora_unet_norm.diff_b']);

    // The conv layer (float32 in and out) must be the optimal rank-3 approximation of its delta.
    const w = denseProduct(input['lora_unet_conv_in.lora_up.weight'].values, input['lora_unet_conv_in.lora_down.weight'].values, 6, 27, 8, 1);
    const t = written.tensors;
    const approx = denseProduct(t['lora_unet_conv_in.lora_up.weight'].values, t['lora_unet_conv_in.lora_down.weight'].values, 6, 27, 3, t['lora_unet_conv_in.alpha'].values[0] / 3);
    const tail = tailNorm(denseSingularValues(w, 6, 27), 3);
    expect(Math.abs(frobeniusDistance(w, approx) - tail) / tail).toBeLessThan(1e-5);
    // The bf16 layer: bf16 output rounding (2^-9 relative) bounds how close it gets.
    const report = result.reports.find((r) => r.name === 'lora_unet_blocks_0_attn_to_q')!;
    const wq = denseProduct(input['lora_unet_blocks_0_attn_to_q.lora_up.weight'].values, input['lora_unet_blocks_0_attn_to_q.lora_down.weight'].values, 10, 12, 8, 0.5);
    const wq3 = denseProduct(t['lora_unet_blocks_0_attn_to_q.lora_up.weight'].values, t['lora_unet_blocks_0_attn_to_q.lora_down.weight'].values, 10, 12, 3, 0.5);
    expect(frobeniusDistance(wq, wq3)).toBeLessThan(report.errorNorm + 0.01 * report.deltaNorm);
  });

  it('keeps PEFT and DiffSynth keys and writes no alpha where the file had none', async () => {
    const peft: Record<string, TestTensor> = {
      'transformer.transformer_blocks.0.img_mlp.net.2.lora_A.weight': { dtype: 'F32', shape: [6, 16], values: normalArray(96, 5) },
      'transformer.transformer_blocks.0.img_mlp.net.2.lora_B.weight': { dtype: 'F32', shape: [9, 6], values: normalArray(54, 6) },
      'transformer_blocks.1.attn.to_q.lora_A.default.weight': { dtype: 'F32', shape: [6, 16], values: normalArray(96, 7) },
      'transformer_blocks.1.attn.to_q.lora_B.default.weight': { dtype: 'F32', shape: [9, 6], values: normalArray(54, 8) },
    };
    const out = join(dir, 'peft.safetensors');
    const result = await rerankLoraFile(await sourceOf(encodeSafetensors(peft), 'peft-in.safetensors'), out, { rule: { method: 'sv_fro', param: 0.95 }, dtype: 'BF16' });
    const written = decodeSafetensors(readFileSync(out));
    expect(Object.keys(written.tensors).sort()).toEqual(Object.keys(peft).sort());
    for (const r of result.reports) {
      expect(r.alphaOut).toBe(r.rankOut); // scale stays 1
      expect(written.tensors[`${r.name}${r.name.startsWith('transformer.') ? '.lora_A.weight' : '.lora_A.default.weight'}`]).toMatchObject({ dtype: 'BF16', shape: [r.rankOut, 16] });
      expect(Math.sqrt(r.energyRetained)).toBeGreaterThanOrEqual(0.95 - 1e-6);
    }
    expect(written.metadata.loraflow_rerank).toContain('sv_fro');
  });

  it('leaves an existing output untouched when a layer is malformed, and names it', async () => {
    const out = join(dir, 'kept.safetensors');
    writeFileSync(out, 'previous');
    const bad = kohyaFile();
    bad['lora_unet_conv_in.lora_up.weight'] = { dtype: 'F32', shape: [6, 7, 1, 1], values: normalArray(42, 4) };
    await expect(rerankLoraFile(await sourceOf(encodeSafetensors(bad), 'bad.safetensors'), out, { rule: { method: 'fixed', rank: 2 } })).rejects.toThrow(
      /bad\.safetensors: "lora_unet_conv_in\.lora_down\.weight"/,
    );
    expect(readFileSync(out, 'utf8')).toBe('previous');
    expect(readdirSync(dir).filter((f) => f.startsWith('kept.safetensors'))).toEqual(['kept.safetensors']);
  });

  it('rejects a file without LoRA layers', async () => {
    const none = encodeSafetensors({ 'model.weight': { dtype: 'F32', shape: [2], values: [1, 2] } });
    await expect(rerankLoraFile(await sourceOf(none, 'plain.safetensors'), join(dir, 'x.safetensors'), { rule: { method: 'fixed', rank: 2 } })).rejects.toThrow(RerankError);
  });
});

describe('pairLoraKeys', () => {
  it('pairs kohya, PEFT, DiffSynth and ComfyUI keys and reports partners that are missing', () => {
    const { pairs, others, unpaired } = pairLoraKeys([
      'lora_unet_a.lora_down.weight',
      'lora_unet_a.lora_up.weight',
      'lora_unet_a.alpha',
      'diffusion_model.b.lora_A.weight',
      'diffusion_model.b.lora_B.weight',
      'c.lora_A.default.weight',
      'c.lora_B.default.weight',
      'd.lora_B.weight',
      'e.bias',
    ]);
    expect(pairs.map((p) => [p.stem, p.alphaKey ?? null])).toEqual([
      ['lora_unet_a', 'lora_unet_a.alpha'],
      ['diffusion_model.b', null],
      ['c', null],
    ]);
    expect(others).toEqual(['d.lora_B.weight', 'e.bias']);
    expect(unpaired).toEqual(['d.lora_B.weight']);
  });
});
