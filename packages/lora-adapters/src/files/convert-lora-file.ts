import { quoteForMessage } from '@loraflow/tensor-core';
import type { SafetensorsDType } from '@loraflow/tensor-core';
import { LoraFormatError } from '../lora-error.js';
import { openLoraFile, type OpenLoraOptions } from './lora-file-reader.js';
import { LoraFileWriter } from './lora-file-writer.js';
import type { LoraFormat } from './lora-format.js';
import type { LoraLayer, LoraLayerInfo } from '../lora-layer.js';
import type { LoraProgressCallback } from './lora-progress.js';

/** Options of a streaming file transform (convert, scale). */
export interface LoraFileTransformOptions extends OpenLoraOptions {
  /** Output format (default: the input's). */
  to?: LoraFormat;
  /** Output factor dtype (default: each factor's own). */
  dtype?: SafetensorsDType;
  /** Extra metadata merged over the input's. */
  metadata?: Record<string, string>;
  onProgress?: LoraProgressCallback;
}

/** What a file transform did. */
export interface LoraFileTransformResult {
  readonly from: LoraFormat;
  readonly to: LoraFormat;
  readonly layers: number;
}

/** Throws before anything is written if a layer lacks the dotted name that writing `why` needs. */
export function checkWritable(file: string, layers: readonly LoraLayerInfo[], to: LoraFormat, why = `converting to ${to}`): void {
  const unresolved = layers.filter((l) => !l.resolved);
  if ((to !== 'kohya' || why !== `converting to ${to}`) && unresolved.length) {
    throw new LoraFormatError(
      `${file}: ${unresolved.length} kohya module name(s) match no known module, e.g. ${quoteForMessage(unresolved[0].module)}; ` +
        `${why} needs dotted names: pass the model's module names (moduleNames / --modules FILE)`,
    );
  }
}

/**
 * Streams a LoRA file through `transform` layer by layer into another file (memory bounded by one
 * layer, bytes written once, straight behind a header planned from the input's). `transform` may
 * change values but must keep each layer's module, shapes, dtypes and alpha. The output appears only
 * when every layer succeeded.
 */
export async function transformLoraFile(
  input: string,
  output: string,
  transform: (layer: LoraLayer) => LoraLayer,
  opts: LoraFileTransformOptions = {},
): Promise<LoraFileTransformResult> {
  const reader = await openLoraFile(input, opts);
  try {
    const to = opts.to ?? reader.format;
    checkWritable(reader.name, reader.layers, to);
    const writer = await LoraFileWriter.create(output, { format: to, dtype: opts.dtype, metadata: { ...reader.metadata, ...opts.metadata }, plan: reader.layers });
    try {
      let done = 0;
      for (const info of reader.layers) {
        await writer.write(transform(await reader.readLayer(info)));
        opts.onProgress?.({ done: ++done, total: reader.layers.length, module: info.module });
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await writer.commit();
    return { from: reader.format, to, layers: reader.layers.length };
  } finally {
    await reader.close();
  }
}

/** Converts a LoRA file to another format, preserving every layer's effective delta (alpha folded where the target has none). */
export function convertLoraFile(input: string, output: string, opts: LoraFileTransformOptions & { to: LoraFormat }): Promise<LoraFileTransformResult> {
  return transformLoraFile(input, output, (layer) => layer, opts);
}
