import type { RawTensor, SafetensorsDType, Tensor } from '@loraflow/tensor-core';

/** Whether a LoRA adapts a linear layer or a conv layer. */
export type LoraKind = 'linear' | 'conv';

/** Where one tensor of a LoRA layer lives in a file (header facts only). */
export interface LoraTensorInfo {
  readonly key: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
}

/**
 * One LoRA layer as described by a file's header. The effective weight delta is
 * `(alpha / rank) * up @ down` (conv: down `[rank, in, kh, kw]` viewed as `[rank, in*kh*kw]`, up `[out, rank, 1, 1]`).
 */
export interface LoraLayerInfo {
  /** Dotted module path in the model (`transformer_blocks.0.attn.to_q`); for a kohya name no module list resolves, the underscore name. */
  readonly module: string;
  /** False when `module` is an unresolved kohya underscore name (it can then only be written back as kohya). */
  readonly resolved: boolean;
  readonly kind: LoraKind;
  /** Conv kernel [kh, kw]; [1, 1] for linear layers. */
  readonly kernel: readonly [number, number];
  readonly rank: number;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** Stored alpha, or `rank` (scale 1) when the file has none; kohya's alpha 0 also means rank. */
  readonly alpha: number;
  readonly down: LoraTensorInfo;
  readonly up: LoraTensorInfo;
  readonly upBias?: LoraTensorInfo;
  readonly alphaKey?: string;
}

/** A LoRA factor as stored (raw bytes in the file's dtype) or as a tensor. */
export type LoraFactor = RawTensor | Tensor;

/**
 * One LoRA layer with its factors: what the streaming reader yields and the writer takes.
 * down `[rank, in]` or `[rank, in, kh, kw]`, up `[out, rank]` or `[out, rank, 1, 1]`, optional up bias `[out]`.
 */
export interface LoraLayer<F extends LoraFactor = RawTensor> {
  readonly module: string;
  /** False for an unresolved kohya underscore name (default true). */
  readonly resolved?: boolean;
  readonly kind: LoraKind;
  readonly kernel: readonly [number, number];
  readonly rank: number;
  readonly alpha: number;
  readonly down: F;
  readonly up: F;
  readonly upBias?: F;
}

/** alpha / rank: the factor that multiplies `up @ down` (1 for rank 0). */
export function loraScale(layer: { readonly alpha: number; readonly rank: number }): number {
  return layer.rank === 0 ? 1 : layer.alpha / layer.rank;
}
