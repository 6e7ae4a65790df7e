import { quoteForMessage } from '@loraflow/tensor-core';
import type { RawTensor, SafetensorsDType, TensorSpec } from '@loraflow/tensor-core';
import { LoraFormatError } from '../lora-error.js';
import { scaleRaw } from './lora-factor-codec.js';
import { formatStoresAlpha, loraKeyNames, type LoraFormat } from './lora-format.js';
import { loraScale, type LoraLayer } from '../lora-layer.js';
import { checkLayerShapes } from './check-layer-shapes.js';

/** One output tensor: its key and stored bytes. */
export type KeyedTensor = readonly [key: string, tensor: RawTensor];

function alphaScalar(alpha: number): RawTensor {
  return { dtype: 'F32', shape: [], bytes: new Uint8Array(Float32Array.of(alpha).buffer) };
}

/**
 * The tensors that store `layer` in `format`, with the same effective delta. kohya keeps alpha as
 * a tensor; the other formats mean scale 1, so alpha/rank is folded in: sqrt(|s|) into each factor
 * (sign on up) to keep both factors' magnitudes balanced in half precision, s into the up bias.
 */
export function formatLayerTensors(layer: LoraLayer, format: LoraFormat, where = 'LoRA'): KeyedTensor[] {
  checkLayerShapes(layer, where);
  const name = layer.module;
  if (layer.resolved === false && format !== 'kohya') {
    throw new LoraFormatError(
      `${where}: kohya module name ${quoteForMessage(name)} matches no known module, so it cannot be written as ${format} (dotted names needed); ` +
        'pass the model\'s module names (moduleNames / --modules) to resolve it',
    );
  }
  const keys = keysFor(layer, format);
  const out: KeyedTensor[] = [];
  if (formatStoresAlpha(format)) {
    out.push([keys.down, layer.down], [keys.up, layer.up]);
    if (layer.upBias) out.push([keys.upBias, layer.upBias]);
    out.push([keys.alpha!, alphaScalar(layer.alpha)]);
    return out;
  }
  const s = loraScale(layer);
  const root = Math.sqrt(Math.abs(s));
  out.push([keys.down, scaleRaw(layer.down, root, `${where} ${quoteForMessage(name)} down`)], [keys.up, scaleRaw(layer.up, Math.sign(s) * root, `${where} ${quoteForMessage(name)} up`)]);
  if (layer.upBias) out.push([keys.upBias, scaleRaw(layer.upBias, s, `${where} ${quoteForMessage(name)} up bias`)]);
  return out;
}

/** Header facts of a layer to be written: what `formatLayerSpecs` needs (a `LoraLayerInfo` fits). */
export interface LoraLayerPlan {
  readonly module: string;
  readonly resolved?: boolean;
  readonly rank: number;
  readonly alpha: number;
  readonly down: { readonly dtype: SafetensorsDType; readonly shape: readonly number[] };
  readonly up: { readonly dtype: SafetensorsDType; readonly shape: readonly number[] };
  readonly upBias?: { readonly dtype: SafetensorsDType; readonly shape: readonly number[] };
}

/** The tensor specs (key, dtype, shape) `formatLayerTensors` will produce for a planned layer, in the same order. */
export function formatLayerSpecs(layer: LoraLayerPlan, format: LoraFormat, dtype?: SafetensorsDType): TensorSpec[] {
  if (layer.resolved === false && format !== 'kohya') throw new LoraFormatError(`kohya module name ${quoteForMessage(layer.module)} matches no known module, so it cannot be written as ${format}`);
  const keys = keysFor(layer, format);
  const spec = (name: string, t: { dtype: SafetensorsDType; shape: readonly number[] }): TensorSpec => ({ name, dtype: dtype ?? t.dtype, shape: [...t.shape] });
  const out = [spec(keys.down, layer.down), spec(keys.up, layer.up)];
  if (layer.upBias) out.push(spec(keys.upBias, layer.upBias));
  if (formatStoresAlpha(format)) out.push({ name: keys.alpha!, dtype: 'F32', shape: [] });
  return out;
}

function keysFor(layer: { module: string; resolved?: boolean }, format: LoraFormat) {
  return format === 'kohya' && layer.resolved === false ? kohyaKeysFor(layer.module) : loraKeyNames(format, layer.module);
}

function kohyaKeysFor(underscoreName: string) {
  const stem = `lora_unet_${underscoreName}`;
  return { down: `${stem}.lora_down.weight`, up: `${stem}.lora_up.weight`, upBias: `${stem}.lora_up.bias`, alpha: `${stem}.alpha` };
}
