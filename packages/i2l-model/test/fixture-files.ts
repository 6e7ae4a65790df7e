import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@loraflow/tensor-core';
import { rawToF32 } from '@loraflow/lora-adapters';
import { parseTargetTable, type I2lTargetTable } from '../src/index.js';

/** Path of a fixture written by tools/golden/i2l-golden.py. */
export const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

/** The reduced target table of the fixtures (2 blocks, hidden 8). */
export const FIXTURE_TABLE: I2lTargetTable = parseTargetTable(JSON.parse(readFileSync(fixture('targets.json'), 'utf8')), 'targets.json');

/** Every tensor of a safetensors file as f32 values with its shape. */
export async function readTensors(path: string): Promise<Map<string, { shape: readonly number[]; values: Float32Array }>> {
  const file = await readSafetensors(path);
  const out = new Map<string, { shape: readonly number[]; values: Float32Array }>();
  for (const key of file.keys) {
    const raw = await file.readRaw(key);
    out.set(key, { shape: raw.shape, values: rawToF32(raw).slice() });
  }
  await file.close();
  return out;
}

/** The float64 delta up @ down of factors down [r, in], up [out, r]. */
export function delta(down: ArrayLike<number>, up: ArrayLike<number>, rank: number): Float64Array {
  const cols = down.length / rank;
  const rows = up.length / rank;
  const m = new Float64Array(rows * cols);
  for (let o = 0; o < rows; o++) for (let k = 0; k < rank; k++) {
    const u = up[o * rank + k];
    for (let c = 0; c < cols; c++) m[o * cols + c] += u * down[k * cols + c];
  }
  return m;
}

/** max |a - b| / max |b|: the relative error the goldens are held to. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let err = 0, ref = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    ref = Math.max(ref, Math.abs(b[i]));
  }
  return err / ref;
}
