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

/** The seed corpus: plain tensor files of every dtype and LoRA files of every format, all valid and small. */
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
  return seeds;
}
