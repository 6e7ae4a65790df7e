import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rerankLoraFile } from '../src/index.js';
import { normalArray } from './seeded-normal.js';
import { decodeSafetensors, encodeSafetensors, type TestTensor } from './safetensors-bytes.js';
import { denseProduct, denseSingularValues, frobeniusDistance, tailNorm } from './dense-reference.js';

const dir = mkdtempSync(join(tmpdir(), 'pca-rerank-'));

/** Writes a file image to disk and returns its path. */
function fileOf(tensors: Record<string, TestTensor>, name: string, metadata?: Record<string, string>): string {
  const path = join(dir, name);
  writeFileSync(path, encodeSafetensors(tensors, metadata));
  return path;
}

const Q = 'lora_unet_transformer_blocks_0_attn_to_q';
const CONV = 'lora_unet_conv_in';

function kohyaFile(): Record<string, TestTensor> {
  return {
    [`${Q}.lora_down.weight`]: { dtype: 'BF16', shape: [8, 12], values: normalArray(96, 1, 0.3) },
    [`${Q}.lora_up.weight`]: { dtype: 'BF16', shape: [10, 8], values: normalArray(80, 2) },
    [`${Q}.alpha`]: { dtype: 'F32', shape: [], values: [4] },
    [`${CONV}.lora_down.weight`]: { dtype: 'F32', shape: [8, 3, 3, 3], values: normalArray(216, 3, 0.3) },
    [`${CONV}.lora_up.weight`]: { dtype: 'F32', shape: [6, 8, 1, 1], values: normalArray(48, 4) },
    [`${CONV}.alpha`]: { dtype: 'F32', shape: [], values: [8] },
  };
}

/** The effective delta `(alpha/rank) up @ down` of one layer in a decoded file (scale 1 without alpha). */
function deltaOf(t: ReturnType<typeof decodeSafetensors>['tensors'], down: string, up: string, alpha?: string): Float64Array {
  const [rank] = t[down].shape;
  const rows = t[up].shape[0];
  const cols = t[down].values.length / rank;
  return denseProduct(t[up].values, t[down].values, rows, cols, rank, alpha ? t[alpha].values[0] / rank : 1);
}

describe('rerankLoraFile', () => {
  it('round-trips a kohya file: same keys and dtypes, new shapes, alpha rescaled, deltas optimal', async () => {
    const input = kohyaFile();
    const out = join(dir, 'kohya.safetensors');
    const inPath = fileOf(input, 'kohya-in.safetensors', { ss_network_dim: '8', ss_network_alpha: '4', sshs_model_hash: 'old', sshs_legacy_hash: 'old' });
    const result = await rerankLoraFile(inPath, out, { rule: { method: 'fixed', rank: 3 } });
    expect(result).toMatchObject({ inputFormat: 'kohya', outputFormat: 'kohya' });
    const file = readFileSync(out);
    const written = decodeSafetensors(file);
    const t = written.tensors;
    expect(Object.keys(t).sort()).toEqual(Object.keys(input).sort());
    expect(t[`${Q}.lora_down.weight`]).toMatchObject({ dtype: 'BF16', shape: [3, 12] });
    expect(t[`${Q}.lora_up.weight`]).toMatchObject({ dtype: 'BF16', shape: [10, 3] });
    expect(t[`${CONV}.lora_down.weight`]).toMatchObject({ dtype: 'F32', shape: [3, 3, 3, 3] });
    expect(t[`${CONV}.lora_up.weight`].shape).toEqual([6, 3, 1, 1]);
    expect(t[`${Q}.alpha`].values[0]).toBeCloseTo(4 * (3 / 8), 6);
    expect(t[`${CONV}.alpha`].values[0]).toBeCloseTo(3, 6);
    expect(written.metadata).toMatchObject({ ss_network_dim: '3', ss_network_alpha: 'Dynamic' });
    expect(written.metadata.sshs_legacy_hash).toBeUndefined();
    expect(written.metadata.sshs_model_hash).toBe(createHash('sha256').update(file.subarray(8 + written.headerLength)).digest('hex'));
    expect(JSON.parse(written.metadata.loraflow_rerank)).toMatchObject({ rule: { method: 'fixed', rank: 3 }, split: 'sqrt' });

    // The conv layer (float32 in and out) must be the optimal rank-3 approximation of its delta.
    const w = denseProduct(input[`${CONV}.lora_up.weight`].values, input[`${CONV}.lora_down.weight`].values, 6, 27, 8, 1);
    const tail = tailNorm(denseSingularValues(w, 6, 27), 3);
    expect(Math.abs(frobeniusDistance(w, deltaOf(t, `${CONV}.lora_down.weight`, `${CONV}.lora_up.weight`, `${CONV}.alpha`)) - tail) / tail).toBeLessThan(1e-5);
    // The bf16 layer: the input was bf16-rounded on write, and bf16 output rounding (2^-9 relative) bounds how close it gets.
    const report = result.reports.find((r) => r.name === 'transformer_blocks.0.attn.to_q')!;
    const stored = decodeSafetensors(readFileSync(inPath)).tensors;
    const wq = deltaOf(stored, `${Q}.lora_down.weight`, `${Q}.lora_up.weight`, `${Q}.alpha`);
    const wq3 = deltaOf(t, `${Q}.lora_down.weight`, `${Q}.lora_up.weight`, `${Q}.alpha`);
    expect(Math.abs(frobeniusDistance(wq, wq3) - report.errorNorm)).toBeLessThan(0.01 * report.deltaNorm);
  });

  it('keeps DiffSynth keys with a dynamic rule and converts kohya to PEFT with --to, preserving the delta', async () => {
    const stem = 'transformer_blocks.1.img_mlp.net.2';
    const diffsynth: Record<string, TestTensor> = {
      [`${stem}.lora_A.default.weight`]: { dtype: 'F32', shape: [6, 16], values: normalArray(96, 7) },
      [`${stem}.lora_B.default.weight`]: { dtype: 'F32', shape: [9, 6], values: normalArray(54, 8) },
    };
    const out = join(dir, 'diffsynth.safetensors');
    const result = await rerankLoraFile(fileOf(diffsynth, 'diffsynth-in.safetensors'), out, { rule: { method: 'sv_fro', param: 0.95 }, dtype: 'BF16' });
    const written = decodeSafetensors(readFileSync(out)).tensors;
    const r = result.reports[0];
    expect(Object.keys(written).sort()).toEqual(Object.keys(diffsynth).sort());
    expect(r.alphaOut).toBe(r.rankOut); // no alpha in the file: scale stays 1
    expect(written[`${stem}.lora_A.default.weight`]).toMatchObject({ dtype: 'BF16', shape: [r.rankOut, 16] });
    expect(Math.sqrt(r.energyRetained)).toBeGreaterThanOrEqual(0.95 - 1e-6);
    expect(r.rankOut).toBeLessThan(6);

    const peftOut = join(dir, 'to-peft.safetensors');
    const input = kohyaFile();
    delete input[`${CONV}.lora_down.weight`]; // unresolved kohya names cannot become dotted PEFT keys
    delete input[`${CONV}.lora_up.weight`];
    delete input[`${CONV}.alpha`];
    const converted = await rerankLoraFile(fileOf(input, 'kohya-q.safetensors'), peftOut, { rule: { method: 'fixed', rank: 8 }, to: 'peft', dtype: 'F32' });
    expect(converted.outputFormat).toBe('peft');
    const peft = decodeSafetensors(readFileSync(peftOut)).tensors;
    const key = 'transformer.transformer_blocks.0.attn.to_q';
    expect(Object.keys(peft).sort()).toEqual([`${key}.lora_A.weight`, `${key}.lora_B.weight`]);
    const stored = decodeSafetensors(readFileSync(join(dir, 'kohya-q.safetensors'))).tensors;
    const w = deltaOf(stored, `${Q}.lora_down.weight`, `${Q}.lora_up.weight`, `${Q}.alpha`);
    const w8 = deltaOf(peft, `${key}.lora_A.weight`, `${key}.lora_B.weight`);
    expect(frobeniusDistance(w, w8) / Math.hypot(...w)).toBeLessThan(1e-6); // same rank: only float32 rounding
  });

  it('reads a file handed in as a Node Buffer (odd tensor offsets included) like the same file by path', async () => {
    const input = kohyaFile();
    input[`${Q}.lora_down.weight`] = { dtype: 'BF16', shape: [7, 12], values: normalArray(84, 11, 0.3) }; // 168 bytes
    input[`${Q}.lora_up.weight`] = { dtype: 'BF16', shape: [9, 7], values: normalArray(63, 12) }; // 126 bytes: later tensors start at offsets = 2 mod 4
    const path = fileOf(input, 'buffer-in.safetensors');
    const fromPath = await rerankLoraFile(path, join(dir, 'from-path.safetensors'), { rule: { method: 'fixed', rank: 3 } });
    const fromBuffer = await rerankLoraFile(readFileSync(path), join(dir, 'from-buffer.safetensors'), { rule: { method: 'fixed', rank: 3 } });
    expect(fromBuffer.reports.map((r) => r.deltaNorm)).toEqual(fromPath.reports.map((r) => r.deltaNorm));
    expect(readFileSync(join(dir, 'from-buffer.safetensors')).equals(readFileSync(join(dir, 'from-path.safetensors')))).toBe(true);
  });

  it('leaves an existing output untouched when the input is malformed, and names the layer', async () => {
    const out = join(dir, 'kept.safetensors');
    writeFileSync(out, 'previous');
    const bad = kohyaFile();
    bad[`${CONV}.lora_up.weight`] = { dtype: 'F32', shape: [6, 7, 1, 1], values: normalArray(42, 4) };
    await expect(rerankLoraFile(fileOf(bad, 'bad.safetensors'), out, { rule: { method: 'fixed', rank: 2 } })).rejects.toThrow(/bad\.safetensors.*lora_unet_conv_in/);
    expect(readFileSync(out, 'utf8')).toBe('previous');
    expect(readdirSync(dir).filter((f) => f.startsWith('kept.safetensors'))).toEqual(['kept.safetensors']);
  });

  it('rejects a bad option before writing anything', async () => {
    const out = join(dir, 'never.safetensors');
    await expect(rerankLoraFile(fileOf(kohyaFile(), 'ok.safetensors'), out, { rule: { method: 'fixed', rank: 0 } })).rejects.toThrow(/rank 0/);
    expect(readdirSync(dir).some((f) => f.startsWith('never.safetensors'))).toBe(false);
  });
});

describe('rerankLoraFile options', () => {
  it('names a bad option before reading the file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'rerank-opts-')), 'o.safetensors');
    await expect(rerankLoraFile('/nonexistent.safetensors', out, { rule: { method: 'fixed', rank: 3 }, to: 'onnx' as never })).rejects.toThrow('rerankLoraFile: option "to" is "onnx", expected one of kohya, peft, comfy, diffsynth');
    await expect(rerankLoraFile('/nonexistent.safetensors', out, { rule: { method: 'fixed', rank: 3 }, split: 'svd' as never })).rejects.toThrow('rerankLoraFile: option "split" is "svd", expected one of sqrt, up, down, pca');
    await expect(rerankLoraFile('/nonexistent.safetensors', out, { rule: { method: 'fixed', rank: 3 }, maxRank: 0 })).rejects.toThrow('rerankLoraFile: option "maxRank" is 0, expected an integer >= 1');
    await expect(rerankLoraFile('/nonexistent.safetensors', out, {} as never)).rejects.toThrow(/rerankLoraFile: option "rule" is missing/);
  });
});
