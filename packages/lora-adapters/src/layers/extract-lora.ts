import type { Module, RawTensor, Tensor } from '@loraflow/tensor-core';
import { formatLayerTensors } from '../files/format-layer-tensors.js';
import { loraLayers } from './inject-lora.js';
import { LoraConv2d } from './lora-conv2d.js';
import { LoraError } from '../lora-error.js';
import { factorToRaw } from '../files/lora-factor-codec.js';
import { writeLoraFile, type LoraWriterOptions } from '../files/lora-file-writer.js';
import type { LoraFormat } from '../files/lora-format.js';
import type { LoraLayer } from '../lora-layer.js';

/** Which adapter to extract. */
export interface ExtractLoraOptions {
  /** Adapter name (default "default"). */
  adapter?: string;
}

/**
 * The adapter of every LoRA layer in `model` as layers keyed by module path (factors are the live
 * parameters; alpha as configured; the runtime multiplier is not folded in: a file stores the LoRA, not how loud it plays).
 */
export function extractLoraLayers(model: Module, opts: ExtractLoraOptions = {}): LoraLayer<Tensor>[] {
  const adapter = opts.adapter ?? 'default';
  const out: LoraLayer<Tensor>[] = [];
  for (const [module, layer] of loraLayers(model)) {
    if (!layer.adapterNames().includes(adapter)) continue;
    const s = layer.state(adapter);
    const { down, up } = layer.factors(adapter);
    out.push({ module, kind: layer instanceof LoraConv2d ? 'conv' : 'linear', kernel: layer.kernel, rank: s.rank, alpha: s.alpha, down: down.weight, up: up.weight, ...(up.bias ? { upBias: up.bias } : {}) });
  }
  if (out.length === 0) throw new LoraError(`extractLora: no layer of the model has adapter "${adapter}"`);
  return out;
}

/** The adapter as a plain state dict with a format's key names (alpha folded where the format has none). */
export async function extractLoraStateDict(model: Module, opts: ExtractLoraOptions & { format: LoraFormat }): Promise<Record<string, RawTensor>> {
  const out: Record<string, RawTensor> = {};
  for (const l of extractLoraLayers(model, opts)) {
    const raw: LoraLayer = { ...l, down: await factorToRaw(l.down), up: await factorToRaw(l.up), upBias: l.upBias ? await factorToRaw(l.upBias) : undefined };
    if (!raw.upBias) delete (raw as { upBias?: unknown }).upBias;
    for (const [k, t] of formatLayerTensors(raw, opts.format, 'extractLora')) out[k] = t;
  }
  return out;
}

/** Saves the adapter to a LoRA file in any format (atomic). */
export function saveLora(model: Module, path: string, opts: ExtractLoraOptions & LoraWriterOptions): Promise<void> {
  return writeLoraFile(path, extractLoraLayers(model, opts), opts);
}
