import {
  f32ToRaw,
  LoraFileWriter,
  openLoraFile,
  rawToF32,
  type LoraFloatDType,
  type LoraFormat,
  type LoraLayer,
  type OpenLoraOptions,
} from '@loraflow/lora-adapters';
import { totalsOf, type LayerReport, type RerankTotals } from './layer-report.js';
import type { F32LoraLayer } from './f32-lora-layer.js';
import { rerankLayer } from './rerank-layer.js';
import type { RerankOptions } from './rerank-options.js';
import { checkOptions, option } from '@loraflow/tensor-core';
import { LORA_FLOAT_DTYPES, LORA_FORMATS } from '@loraflow/lora-adapters';
import { RerankError } from './rerank-error.js';
import { RERANK_RULES, resolveRerankOptions } from './rerank-options.js';

/** Options of rerankLoraFile: the re-ranking options plus file format, storage and progress settings. */
export interface RerankFileOptions extends RerankOptions {
  /** Output key format; the input's format when absent. */
  to?: LoraFormat;
  /** Storage dtype of the new factors; each factor keeps its input dtype when absent. */
  dtype?: LoraFloatDType;
  /** How to read the input (e.g. the module names kohya underscore keys resolve against). */
  open?: OpenLoraOptions;
  /** Called after each layer is written (drive a progress bar with it). */
  onLayer?: (report: LayerReport, done: number, total: number) => void;
}

/** What rerankLoraFile did. */
export interface RerankFileResult {
  readonly reports: LayerReport[];
  readonly totals: RerankTotals;
  readonly inputFormat: LoraFormat;
  readonly outputFormat: LoraFormat;
}

/**
 * Re-ranks every layer of a LoRA file (kohya, PEFT/diffusers, ComfyUI or DiffSynth, detected by
 * lora-adapters) into `output`, in the same format unless `to` says otherwise. Streams: one layer's
 * factors are in memory at a time; lora-adapters' writer spools tensors to a temp body file and
 * `output` appears atomically only when every layer succeeded. Up biases are carried unchanged (they
 * do not depend on the rank). kohya metadata (dim, alpha, hash) is recomputed by the writer; the
 * rank rule is recorded under `loraflow_rerank`.
 */
export async function rerankLoraFile(input: string | Uint8Array, output: string, options: RerankFileOptions): Promise<RerankFileResult> {
  checkOptions('rerankLoraFile', options, { ...RERANK_RULES, to: option.oneOf(LORA_FORMATS), dtype: option.oneOf(LORA_FLOAT_DTYPES), open: option.object, onLayer: option.function }, (m) => new RerankError(m));
  const { to: _to, dtype: _dtype, open: _open, onLayer: _onLayer, ...rerankOnly } = options;
  const rerank = resolveRerankOptions(rerankOnly, 'rerankLoraFile');
  const reader = await openLoraFile(input, options.open);
  const outputFormat = options.to ?? reader.format;
  const reports: LayerReport[] = [];
  try {
    const writer = await LoraFileWriter.create(output, {
      format: outputFormat,
      metadata: { ...reader.metadata, loraflow_rerank: JSON.stringify({ rule: options.rule, maxRank: options.maxRank ?? null, split: options.split ?? 'sqrt' }) },
    });
    try {
      for (const info of reader.layers) {
        const stored = await reader.readLayer(info);
        const layer: F32LoraLayer = {
          name: info.module,
          down: rawToF32(stored.down, `${reader.name}: "${info.down.key}"`),
          up: rawToF32(stored.up, `${reader.name}: "${info.up.key}"`),
          outDim: info.outFeatures,
          inDim: info.inFeatures,
          rank: info.rank,
          alpha: info.alpha,
          ...(info.kind === 'conv' ? { kernel: info.kernel } : {}),
        };
        const { layer: out, report } = rerankLayer(layer, rerank);
        await writer.write(storedLayer(stored, out, options.dtype));
        reports.push(report);
        options.onLayer?.(report, reports.length, reader.layers.length);
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await writer.commit();
  } finally {
    await reader.close();
  }
  return { reports, totals: totalsOf(reports), inputFormat: reader.format, outputFormat };
}

/** The re-ranked factors in lora-adapters' layer shape, stored in the input's dtypes unless `dtype` is given. */
function storedLayer(stored: LoraLayer, out: F32LoraLayer, dtype: LoraFloatDType | undefined): LoraLayer {
  const [kh, kw] = out.kernel ?? [1, 1];
  const conv = stored.kind === 'conv';
  return {
    ...stored,
    rank: out.rank,
    alpha: out.alpha,
    down: f32ToRaw(out.down, conv ? [out.rank, out.inDim, kh, kw] : [out.rank, out.inDim], dtype ?? stored.down.dtype),
    up: f32ToRaw(out.up, conv ? [out.outDim, out.rank, 1, 1] : [out.outDim, out.rank], dtype ?? stored.up.dtype),
  };
}
