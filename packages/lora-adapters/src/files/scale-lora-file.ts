import { transformLoraFile, type LoraFileTransformOptions, type LoraFileTransformResult } from './convert-lora-file.js';
import { LoraError } from '../lora-error.js';
import { scaleLoraLayer } from './scale-lora-layer.js';
import { checkLoraOptions, TRANSFORM_RULES } from '../lora-option-rules.js';

/** Writes a copy of a LoRA file whose every delta is multiplied by `by` (streamed layer by layer). */
export async function scaleLoraFile(input: string, output: string, by: number, opts: LoraFileTransformOptions = {}): Promise<LoraFileTransformResult> {
  checkLoraOptions('scaleLoraFile', opts, TRANSFORM_RULES);
  if (!Number.isFinite(by)) throw new LoraError(`scale: factor must be a finite number, got ${by}`);
  return transformLoraFile(input, output, (layer) => scaleLoraLayer(layer, by), opts);
}
