import { transformLoraFile, type LoraFileTransformOptions, type LoraFileTransformResult } from './convert-lora-file.js';
import { LoraError } from '../lora-error.js';
import { scaleLoraLayer } from './scale-lora-layer.js';

/** Writes a copy of a LoRA file whose every delta is multiplied by `by` (streamed layer by layer). */
export function scaleLoraFile(input: string, output: string, by: number, opts: LoraFileTransformOptions = {}): Promise<LoraFileTransformResult> {
  if (!Number.isFinite(by)) throw new LoraError(`scale: factor must be a finite number, got ${by}`);
  return transformLoraFile(input, output, (layer) => scaleLoraLayer(layer, by), opts);
}
