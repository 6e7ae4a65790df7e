import { quoteForMessage } from '@loraflow/tensor-core';
import type { SafetensorsDType } from '@loraflow/tensor-core';
import { checkWritable } from './convert-lora-file.js';
import { concatLoraLayers } from './concat-lora-layers.js';
import { LoraError } from '../lora-error.js';
import { openLoraFile, type LoraFileReader, type OpenLoraOptions } from './lora-file-reader.js';
import { LoraFileWriter } from './lora-file-writer.js';
import type { LoraFormat } from './lora-format.js';
import type { LoraLayerInfo } from '../lora-layer.js';
import type { LoraLayerPlan } from './format-layer-tensors.js';
import type { LoraProgressCallback } from './lora-progress.js';

/** Options of a concatenation merge of LoRA files. */
export interface MergeLoraOptions extends OpenLoraOptions {
  /** One weight per input (default 1 each: the deltas add; 1/N each gives their mean). */
  weights?: readonly number[];
  /** Output format (default: the first input's). */
  to?: LoraFormat;
  /** Output factor dtype (default: the first input's). */
  dtype?: SafetensorsDType;
  metadata?: Record<string, string>;
  onProgress?: LoraProgressCallback;
}

/** What a merge produced. */
export interface MergeLoraResult {
  readonly to: LoraFormat;
  readonly layers: number;
  /** Modules present in only some inputs (merged from those that have them). */
  readonly partial: readonly string[];
  /** Output rank per module. */
  readonly ranks: ReadonlyMap<string, number>;
}

/** Header facts of the concatenation of `parts` (as `concatLoraLayers` builds it). */
function mergedPlan(parts: readonly LoraLayerInfo[], dtype: SafetensorsDType): LoraLayerPlan {
  const first = parts[0];
  const rank = parts.reduce((n, p) => n + p.rank, 0);
  const conv = first.kind === 'conv';
  return {
    module: first.module,
    resolved: first.resolved,
    rank,
    alpha: rank,
    down: { dtype, shape: conv ? [rank, first.inFeatures, first.kernel[0], first.kernel[1]] : [rank, first.inFeatures] },
    up: { dtype, shape: conv ? [first.outFeatures, rank, 1, 1] : [first.outFeatures, rank] },
    ...(parts.some((p) => p.upBias) ? { upBias: { dtype, shape: [first.outFeatures] } } : {}),
  };
}

function planModules(readers: readonly LoraFileReader[]): { order: string[]; partial: string[] } {
  const order: string[] = [];
  const seen = new Map<string, LoraLayerInfo & { file: string }>();
  for (const r of readers) {
    for (const l of r.layers) {
      const prev = seen.get(l.module);
      if (!prev) {
        seen.set(l.module, { ...l, file: r.name });
        order.push(l.module);
        continue;
      }
      if (prev.kind !== l.kind || prev.inFeatures !== l.inFeatures || prev.outFeatures !== l.outFeatures || prev.kernel.join() !== l.kernel.join()) {
        throw new LoraError(
          `merge: module ${quoteForMessage(l.module)} is ${prev.kind} ${prev.inFeatures}->${prev.outFeatures} (${prev.kernel.join('x')}) in ${prev.file} ` +
            `but ${l.kind} ${l.inFeatures}->${l.outFeatures} (${l.kernel.join('x')}) in ${r.name}`,
        );
      }
    }
  }
  const partial = order.filter((m) => readers.some((r) => !r.has(m)));
  return { order, partial };
}

/**
 * Merges LoRA files into one by concatenating along rank (DiffSynth semantics; see
 * `concatLoraLayers`), streaming module by module with one layer per input in memory.
 */
export async function mergeLoraFiles(inputs: readonly string[], output: string, opts: MergeLoraOptions = {}): Promise<MergeLoraResult> {
  if (inputs.length === 0) throw new LoraError('merge: no input files');
  const weights = opts.weights ?? inputs.map(() => 1);
  if (weights.length !== inputs.length) throw new LoraError(`merge: ${weights.length} weights for ${inputs.length} inputs; give one weight per input`);
  if (weights.some((w) => !Number.isFinite(w))) throw new LoraError(`merge: weights must be finite numbers, got ${weights.join(', ')}`);
  const readers: LoraFileReader[] = [];
  try {
    for (const file of inputs) readers.push(await openLoraFile(file, opts));
    const to = opts.to ?? readers[0].format;
    const mixed = new Set(readers.map((r) => r.format)).size > 1;
    for (const r of readers) checkWritable(r.name, r.layers, to, mixed ? 'merging files of different formats' : `converting to ${to}`);
    const { order, partial } = planModules(readers);
    const dtype = opts.dtype ?? readers[0].layers[0].down.dtype;
    const plan = order.map((module) => mergedPlan(readers.filter((r) => r.has(module)).map((r) => r.layer(module)), dtype));
    const writer = await LoraFileWriter.create(output, { format: to, dtype: opts.dtype, metadata: { ...readers[0].metadata, ...opts.metadata }, plan });
    const ranks = new Map<string, number>();
    try {
      let done = 0;
      for (const module of order) {
        const parts = [];
        for (let i = 0; i < readers.length; i++) if (readers[i].has(module)) parts.push({ layer: await readers[i].readLayer(module), weight: weights[i] });
        const merged = concatLoraLayers(parts, { dtype, where: `merge ${quoteForMessage(module)}` });
        ranks.set(module, merged.rank);
        await writer.write(merged);
        opts.onProgress?.({ done: ++done, total: order.length, module });
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await writer.commit();
    return { to, layers: order.length, partial, ranks };
  } finally {
    for (const r of readers) await r.close();
  }
}
