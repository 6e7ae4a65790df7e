import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { I2L_PRESETS, writeSyntheticI2lFile, type I2lConfig, type I2lTargetTable } from '@loraflow/i2l-model';
import { f32ToRaw, LORA_FORMATS, serializeLoraLayers, type LoraLayer } from '@loraflow/lora-adapters';
import { Generator, serializeSafetensors, type RawTensor, type SafetensorsDType } from '@loraflow/tensor-core';

/** A valid file the mutators start from. */
export interface SeedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

function raw(dtype: SafetensorsDType, shape: number[], gen: Generator): RawTensor {
  const bytesPer = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 }[dtype];
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(n * bytesPer);
  if (dtype === 'F32') bytes.set(new Uint8Array(gen.normal(n).buffer));
  else bytes.set(new Uint8Array(gen.nextUint32(Math.ceil(bytes.length / 4)).buffer).subarray(0, bytes.length));
  if (dtype === 'BOOL') for (let i = 0; i < bytes.length; i++) bytes[i] &= 1;
  // I64 values must fit i32 for the reader to load them; the high words are sign extension.
  if (dtype === 'I64') for (let i = 0; i < n; i++) bytes.fill(bytes[i * 8 + 3] & 0x80 ? 0xff : 0, i * 8 + 4, i * 8 + 8);
  if (dtype === 'F64') new Float64Array(bytes.buffer).set(gen.normal(n));
  return { dtype, shape, bytes };
}

function loraLayers(gen: Generator, withBias: boolean, withConv: boolean): LoraLayer[] {
  const factor = (shape: number[]) => f32ToRaw(gen.normal(shape.reduce((a, b) => a * b, 1)).map((v) => v * 0.1), shape, 'F32');
  const layers: LoraLayer[] = [
    { module: 'transformer_blocks.0.attn.to_q', kind: 'linear', kernel: [1, 1], rank: 2, alpha: 1, down: factor([2, 6]), up: factor([5, 2]) },
    { module: 'transformer_blocks.0.attn.to_k', kind: 'linear', kernel: [1, 1], rank: 3, alpha: 3, down: factor([3, 6]), up: factor([4, 3]), ...(withBias ? { upBias: factor([4]) } : {}) },
  ];
  if (withConv) layers.push({ module: 'transformer_blocks.0.conv', kind: 'conv', kernel: [3, 3], rank: 2, alpha: 2, down: factor([2, 3, 3, 3]), up: factor([4, 2, 1, 1]) });
  return layers;
}

/**
 * The target table the i2L seeds were made for: two groups of one target each, up to two transformer
 * blocks (the seeds hold the first block, so a file with a second block is still a valid layout).
 */
export const I2L_SEED_TABLE: I2lTargetTable = {
  blocks: 2,
  groups: [[{ name: 'attn.to_q', inFeatures: 3, outFeatures: 2 }], [{ name: 'img_mod.1', inFeatures: 2, outFeatures: 3 }]],
};

/** Tiny Style (no residual) and Coarse (with the residual path) configs for the i2L seeds. */
const I2L_SEED_CONFIGS: readonly [string, I2lConfig][] = [
  ['style', { ...I2L_PRESETS.style, embeddingDim: 5, compressDim: 2, rank: 2 }],
  ['coarse', { ...I2L_PRESETS.coarse, embeddingDim: 4, compressDim: 3, rank: 1, residual: { length: 3, midDim: 2 }, residualWidth: 4 }],
];

/** i2L model files written by the package's own writer (the path real files of this layout take), read back as bytes. */
async function i2lSeeds(): Promise<SeedFile[]> {
  const dir = await mkdtemp(join(tmpdir(), 'loraflow-fuzz-seed-'));
  try {
    const seeds: SeedFile[] = [];
    for (const [i, [variant, config]] of I2L_SEED_CONFIGS.entries()) {
      const path = join(dir, `${variant}.safetensors`);
      await writeSyntheticI2lFile(path, config, { ...I2L_SEED_TABLE, blocks: 1 }, { dtype: i === 0 ? 'F32' : 'BF16', seed: i + 1 });
      seeds.push({ name: `i2l-${variant}`, bytes: new Uint8Array(await readFile(path)) });
    }
    return seeds;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The seed corpus: plain tensor files of every dtype, LoRA files of every format and i2L model files, all valid and small. */
export async function seedFiles(): Promise<SeedFile[]> {
  const gen = new Generator(20_261_206);
  const seeds: SeedFile[] = [];
  seeds.push({
    name: 'tensors-all-dtypes',
    bytes: await serializeSafetensors(
      {
        a: raw('F32', [2, 3], gen), b: raw('F16', [4], gen), c: raw('BF16', [1, 2], gen), d: raw('I32', [3], gen),
        e: raw('U8', [5], gen), f: raw('F64', [2], gen), g: raw('I64', [2], gen), h: raw('I16', [2], gen), i: raw('I8', [3], gen), j: raw('BOOL', [4], gen),
        scalar: raw('F32', [], gen), empty: raw('F32', [0, 3], gen),
      },
      { format: 'pt', note: 'fuzz seed' },
    ),
  });
  seeds.push({ name: 'tensors-one', bytes: await serializeSafetensors({ w: raw('F32', [3, 4], gen) }) });
  for (const format of LORA_FORMATS) {
    const withConv = format === 'kohya';
    seeds.push({ name: `lora-${format}`, bytes: await serializeLoraLayers(loraLayers(gen, format !== 'kohya', withConv), { format }) });
  }
  seeds.push(...(await i2lSeeds()));
  return seeds;
}
