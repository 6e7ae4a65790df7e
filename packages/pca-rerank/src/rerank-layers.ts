import { rerankLayer, type RerankedLayer } from './rerank-layer.js';
import type { F32LoraLayer } from './f32-lora-layer.js';
import type { RerankOptions } from './rerank-options.js';

/**
 * Streams layers through `rerankLayer`: one layer is held at a time, so memory stays at one
 * layer's factors plus whatever the consumer keeps. Pair it with a lazy reader and a streaming
 * writer to re-rank files far larger than memory.
 */
export async function* rerankLayers(
  layers: AsyncIterable<F32LoraLayer> | Iterable<F32LoraLayer>,
  options: RerankOptions,
): AsyncGenerator<RerankedLayer> {
  for await (const layer of layers) yield rerankLayer(layer, options);
}
