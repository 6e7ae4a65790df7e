import { Generator, option, SafetensorsWriter } from '@loraflow/tensor-core';
import { f32ToRaw, LORA_FLOAT_DTYPES, type LoraFloatDType } from '@loraflow/lora-adapters';
import { checkI2lOptions } from './i2l-options.js';
import type { I2lConfig } from './i2l-config.js';
import { i2lStateSpecs } from './i2l-state-specs.js';
import type { I2lTargetTable } from './target-table.js';

const POOL = (1 << 20) + 7;

/**
 * Writes an i2L model file with DiffSynth's keys and shapes and pseudo-random weights (scaled
 * 1/sqrt(fan_in)), tensor by tensor in block order, so multi-GB real-size files can be made for
 * benchmarks and memory tests without holding them in memory. Values tile a ~1M-value random pool.
 */
export async function writeSyntheticI2lFile(path: string, config: I2lConfig, table: I2lTargetTable, opts: { dtype?: LoraFloatDType; seed?: number } = {}): Promise<number> {
  checkI2lOptions('writeSyntheticI2lFile', opts, { dtype: option.oneOf(LORA_FLOAT_DTYPES), seed: option.integer() });
  const dtype = opts.dtype ?? 'BF16';
  const specs = i2lStateSpecs(config, table);
  const pool = new Generator(opts.seed ?? 0).normal(POOL);
  const writer = await SafetensorsWriter.create(path, specs.map((s) => ({ name: s.key, dtype, shape: s.shape })), { format: 'pt', loraflow: 'synthetic i2L weights' });
  let bytes = 0;
  try {
    let offset = 0;
    for (const s of specs) {
      const n = s.shape[0] * s.shape[1];
      const scale = 1 / Math.sqrt(s.shape[1]);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = pool[(offset + i) % POOL] * scale;
      offset = (offset + 104_729) % POOL;
      const raw = f32ToRaw(values, s.shape, dtype);
      await writer.write(s.key, raw.bytes);
      bytes += raw.bytes.byteLength;
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writer.commit();
  return bytes;
}
