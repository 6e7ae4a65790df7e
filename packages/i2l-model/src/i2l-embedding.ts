import { readSafetensors, writeSafetensors, type SafetensorsReader } from '@loraflow/tensor-core';
import { f32ToRaw, rawToF32 } from '@loraflow/lora-adapters';
import { I2lError } from './i2l-error.js';

/** Qwen-VL residual tokens of one image: `tokens` x `width` values, token-major. */
export interface I2lResidual {
  readonly tokens: number;
  readonly width: number;
  readonly data: Float32Array;
}

/**
 * The encoder outputs the i2L decoder needs for one image: `imageEmbedding` = [SigLIP2 pooled
 * (1536), DINOv3 CLS (4096)] and, for Coarse / Fine, the Qwen-VL residual.
 */
export interface I2lEmbedding {
  readonly imageEmbedding: Float32Array;
  readonly residual?: I2lResidual;
}

/** An 8-bit RGB(A) image as the encoders take it (datasets' RasterImage has this shape). */
export interface EncoderImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array;
}

/** An in-process image encoder (embedded encoders, a SigLIP2 / DINOv3 port) feeding the same decoder as embeddings files. */
export interface ImageEncoder {
  /** Length of the image embeddings it produces (5632 for SigLIP2-G384 + DINOv3-7B). */
  readonly embeddingDim: number;
  encode(image: EncoderImage): Promise<I2lEmbedding>;
}

/** Reads one float tensor of an embeddings file as f32, checking its shape against the allowed forms. */
async function readValues(file: SafetensorsReader, key: string, allowed: string): Promise<{ shape: readonly number[]; values: Float32Array }> {
  const raw = await file.readRaw(key);
  if (raw.dtype !== 'F32' && raw.dtype !== 'F16' && raw.dtype !== 'BF16' && raw.dtype !== 'F64') throw new I2lError(`${file.name}: "${key}" has dtype ${raw.dtype}, expected a float tensor ${allowed}`);
  return { shape: raw.shape, values: rawToF32(raw, `${file.name}: "${key}"`).slice() };
}

/**
 * Reads an embeddings file: `image_embedding` `[D]` or `[1, D]`, optional `residual` `[L, W]` or
 * `[1, L, W]`, any float dtype; throws naming the file and key otherwise.
 */
export async function readI2lEmbedding(from: string | Uint8Array): Promise<I2lEmbedding> {
  const file = await readSafetensors(from);
  try {
    const extra = file.keys.filter((k) => k !== 'image_embedding' && k !== 'residual');
    if (!file.has('image_embedding')) {
      throw new I2lError(`${file.name}: no "image_embedding" tensor${file.keys.length ? ` (has ${file.keys.slice(0, 3).map((k) => `"${k}"`).join(', ')}${file.keys.length > 3 ? ', ...' : ''})` : ''}; expected an embeddings file with image_embedding [5632] and optional residual [L, 3584]`);
    }
    if (extra.length) throw new I2lError(`${file.name}: unexpected tensor "${extra[0]}"; an embeddings file holds only image_embedding and residual`);
    const emb = await readValues(file, 'image_embedding', '[D] or [1, D]');
    if (!(emb.shape.length === 1 || (emb.shape.length === 2 && emb.shape[0] === 1))) {
      throw new I2lError(`${file.name}: "image_embedding" has shape [${emb.shape}], expected [D] or [1, D] (one image per file)`);
    }
    if (!file.has('residual')) return { imageEmbedding: emb.values };
    const res = await readValues(file, 'residual', '[L, W] or [1, L, W]');
    const s = res.shape;
    if (!(s.length === 2 || (s.length === 3 && s[0] === 1))) throw new I2lError(`${file.name}: "residual" has shape [${s}], expected [L, W] or [1, L, W] (one image per file)`);
    return { imageEmbedding: emb.values, residual: { tokens: s[s.length - 2], width: s[s.length - 1], data: res.values } };
  } finally {
    await file.close();
  }
}

/** Writes an embeddings file (`image_embedding` `[D]`, `residual` `[L, W]`, f32) atomically. */
export async function writeI2lEmbedding(path: string, embedding: I2lEmbedding): Promise<void> {
  await writeSafetensors(path, {
    image_embedding: f32ToRaw(embedding.imageEmbedding, [embedding.imageEmbedding.length], 'F32'),
    ...(embedding.residual ? { residual: f32ToRaw(embedding.residual.data, [embedding.residual.tokens, embedding.residual.width], 'F32') } : {}),
  });
}
