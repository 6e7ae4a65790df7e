import { encodeFloats, type FloatDType } from './float-codec.js';
import { totalsOf, type LayerReport, type RerankTotals } from './layer-report.js';
import { pairLoraKeys } from './lora-key-pairs.js';
import { readLoraLayer } from './read-lora-layer.js';
import { RerankError } from './rerank-error.js';
import { rerankLayer } from './rerank-layer.js';
import type { RerankOptions } from './rerank-options.js';
import { SafetensorsStreamWriter } from './safetensors-stream-writer.js';
import type { TensorSource } from './tensor-source.js';

/** Options of rerankLoraFile: the re-ranking options plus output and progress settings. */
export interface RerankFileOptions extends RerankOptions {
  /** Storage dtype of the new factors; `keep` writes each in its input dtype. */
  dtype?: 'keep' | FloatDType;
  /** Called after each layer is written (drive a progress bar with it). */
  onLayer?: (report: LayerReport, done: number, total: number) => void;
}

/** What rerankLoraFile did. */
export interface RerankFileResult {
  readonly reports: LayerReport[];
  readonly totals: RerankTotals;
  /** Keys copied unchanged (biases, DoRA magnitudes, ...). */
  readonly passthrough: string[];
  /** Down or up keys without their partner; copied unchanged. */
  readonly unpaired: string[];
}

/**
 * Re-ranks every LoRA layer of a safetensors file into `output`, in the same key format.
 * Streams: one layer's factors are in memory at a time, the output goes through a temp data
 * file, and `output` only appears (atomically) when everything succeeded. Other tensors are copied
 * byte for byte. kohya metadata is updated: `ss_network_dim` / `ss_network_alpha` (the value, or
 * "Dynamic" when layers differ) and `sshs_model_hash` (sha256 of the new data section).
 */
export async function rerankLoraFile(source: TensorSource, output: string, options: RerankFileOptions): Promise<RerankFileResult> {
  const { pairs, others, unpaired } = pairLoraKeys(source.keys);
  if (pairs.length === 0) throw new RerankError(`${source.name}: no LoRA layers found (expected keys ending in .lora_down.weight/.lora_up.weight or .lora_A[.default].weight/.lora_B[.default].weight)`);
  const writer = await SafetensorsStreamWriter.create(output);
  const reports: LayerReport[] = [];
  try {
    for (const pair of pairs) {
      const stored = await readLoraLayer(source, pair);
      const { layer, report } = rerankLayer(stored.layer, options);
      const pick = (inputDType: FloatDType): FloatDType => (!options.dtype || options.dtype === 'keep' ? inputDType : options.dtype);
      const downShape = layer.kernel ? [layer.rank, layer.inDim, ...layer.kernel] : [layer.rank, layer.inDim];
      const upShape = layer.kernel ? [layer.outDim, layer.rank, 1, 1] : [layer.outDim, layer.rank];
      await writer.add(pair.downKey, { dtype: pick(stored.downDType), shape: downShape, bytes: encodeFloats(layer.down, pick(stored.downDType)) });
      await writer.add(pair.upKey, { dtype: pick(stored.upDType), shape: upShape, bytes: encodeFloats(layer.up, pick(stored.upDType)) });
      if (pair.alphaKey && stored.alphaStorage) {
        const { dtype, shape } = stored.alphaStorage;
        await writer.add(pair.alphaKey, { dtype, shape, bytes: encodeFloats(Float32Array.of(layer.alpha), dtype) });
      }
      reports.push(report);
      options.onLayer?.(report, reports.length, pairs.length);
    }
    for (const key of others) {
      const info = source.info(key);
      await writer.add(key, { dtype: info.dtype, shape: info.shape, bytes: await source.readRaw(key) });
    }
    await writer.close(updatedMetadata(source.metadata, reports, writer, options));
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return { reports, totals: totalsOf(reports), passthrough: others.filter((k) => !unpaired.includes(k)), unpaired };
}

function updatedMetadata(
  input: Readonly<Record<string, string>>,
  reports: readonly LayerReport[],
  writer: SafetensorsStreamWriter,
  options: RerankOptions,
): Record<string, string> {
  const out: Record<string, string> = { ...input };
  const uniform = (values: number[]): string => (values.every((v) => v === values[0]) ? String(values[0]) : 'Dynamic');
  if ('ss_network_dim' in out) out.ss_network_dim = uniform(reports.map((r) => r.rankOut));
  if ('ss_network_alpha' in out) out.ss_network_alpha = uniform(reports.map((r) => r.alphaOut));
  if ('sshs_model_hash' in out) out.sshs_model_hash = writer.dataSha256();
  delete out.sshs_legacy_hash; // a hash of the old bytes would mislead
  out.loraflow_rerank = JSON.stringify({ rule: options.rule, maxRank: options.maxRank ?? null, split: options.split ?? 'sqrt' });
  return out;
}
