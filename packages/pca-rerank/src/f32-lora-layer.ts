/**
 * One factored LoRA delta, the unit the re-ranking core works on.
 * The effective weight delta is `(alpha / rank) * up @ down`; a conv layer is handled through
 * its `(outDim, inDim * kh * kw)` view, which is exactly the memory layout of PyTorch's
 * `(rank, inDim, kh, kw)` down weight, so no copy is needed.
 */
export interface LoraLayer {
  /** Module path or key stem that identifies the layer in its file. */
  readonly name: string;
  /** Down (A) factor, row-major `(rank, inDim * kh * kw)`. */
  readonly down: Float32Array;
  /** Up (B) factor, row-major `(outDim, rank)`. */
  readonly up: Float32Array;
  readonly outDim: number;
  /** Input features, or input channels of a conv layer. */
  readonly inDim: number;
  readonly rank: number;
  /** kohya alpha; a format without alpha means `alpha = rank` (scale 1). */
  readonly alpha: number;
  /** Conv kernel `[kh, kw]`; absent for linear layers. */
  readonly kernel?: readonly [number, number];
}

/** Columns of the layer's 2-D view: `inDim * kh * kw`. */
export function viewColumns(layer: Pick<LoraLayer, 'inDim' | 'kernel'>): number {
  return layer.kernel ? layer.inDim * layer.kernel[0] * layer.kernel[1] : layer.inDim;
}

/** The scale that multiplies `up @ down` in the forward pass: `alpha / rank` (1 for rank 0). */
export function layerScale(layer: Pick<LoraLayer, 'alpha' | 'rank'>): number {
  return layer.rank === 0 ? 1 : layer.alpha / layer.rank;
}
