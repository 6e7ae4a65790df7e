import { quoteForMessage } from '@loraflow/tensor-core';
import { scaleRaw } from './lora-factor-codec.js';
import type { LoraLayer } from '../lora-layer.js';

/** The layer with its delta multiplied by `by` (folded into up and its bias; down and alpha untouched). */
export function scaleLoraLayer(layer: LoraLayer, by: number): LoraLayer {
  const where = `scale ${quoteForMessage(layer.module)}`;
  return {
    ...layer,
    up: scaleRaw(layer.up, by, `${where} up`),
    ...(layer.upBias ? { upBias: scaleRaw(layer.upBias, by, `${where} up bias`) } : {}),
  };
}
