import type { LoraLayer } from '@loraflow/lora-adapters';

/**
 * A LoRA layer (lora-adapters' `LoraLayer`: rank, alpha, delta `(alpha / rank) * up @ down`) with its
 * factors decoded to float32 and flattened to the 2-D view the re-ranking core works on. A conv layer is
 * handled through its `(outDim, inDim * kh * kw)` view, which is exactly the memory layout of PyTorch's
 * `(rank, inDim, kh, kw)` down weight, so no copy is needed.
 */
export interface F32LoraLayer extends Pick<LoraLayer, 'rank' | 'alpha'> {
  /** Module path or key stem that identifies the layer in its file. */
  readonly name: string;
  /** Down (A) factor, row-major `(rank, inDim * kh * kw)`. */
  readonly down: Float32Array;
  /** Up (B) factor, row-major `(outDim, rank)`. */
  readonly up: Float32Array;
  readonly outDim: number;
  /** Input features, or input channels of a conv layer. */
  readonly inDim: number;
  /** Conv kernel `[kh, kw]`; absent for linear layers. */
  readonly kernel?: readonly [number, number];
}

/** Columns of the layer's 2-D view: `inDim * kh * kw`. */
export function viewColumns(layer: Pick<F32LoraLayer, 'inDim' | 'kernel'>): number {
  return layer.kernel ? layer.inDim * layer.kernel[0] * layer.kernel[1] : layer.inDim;
}
