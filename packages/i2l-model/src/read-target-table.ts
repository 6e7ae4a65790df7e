import { checkArgument, option, readSafetensors } from '@loraflow/tensor-core';
import { I2lError } from './i2l-error.js';
import { QWEN_IMAGE_I2L_TARGETS, parseTargetTable, targetTableFromShapes, type I2lTargetTable, type TargetModuleShape } from './target-table.js';

/**
 * A target table from `qwen-image` (the built-in table), a JSON table file (`{"blocks", "groups"}`),
 * or a base model checkpoint (.safetensors, e.g. a flow-dit transformer): its
 * `transformer_blocks.{b}.<module>.weight` shapes `[out, in]`, any key prefix before
 * `transformer_blocks.` ignored. Node only for files.
 */
export async function readTargetTable(source: string): Promise<I2lTargetTable> {
  checkArgument('readTargetTable', 'source', source, option.string, (m) => new I2lError(m));
  if (source === 'qwen-image') return QWEN_IMAGE_I2L_TARGETS;
  if (source.endsWith('.json')) {
    const { readFile } = await import('node:fs/promises');
    let json: unknown;
    try {
      json = JSON.parse(await readFile(source, 'utf8'));
    } catch (error) {
      throw new I2lError(`${source}: cannot read a target table (${(error as Error).message}); expected JSON {"blocks": N, "groups": [[{"name", "in", "out"}, ...], ...]}`);
    }
    return parseTargetTable(json, source);
  }
  if (!source.endsWith('.safetensors')) throw new I2lError(`targets ${source}: expected "qwen-image", a .json target table or a base model .safetensors`);
  const file = await readSafetensors(source);
  try {
    const shapes: TargetModuleShape[] = [];
    for (const key of file.keys) {
      const m = /(transformer_blocks\.\d+\..+)\.weight$/.exec(key);
      const shape = file.info(key).shape;
      if (m && shape.length === 2) shapes.push({ module: m[1], outFeatures: shape[0], inFeatures: shape[1] });
    }
    return targetTableFromShapes(shapes, source);
  } finally {
    await file.close();
  }
}
