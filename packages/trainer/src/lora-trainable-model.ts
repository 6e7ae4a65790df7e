import type { Module, Tensor } from '@loraflow/tensor-core';

/**
 * What the trainer needs from a text-to-image flow model; @loraflow/flow-dit's FlowPipeline has this shape.
 * `C` is the encoded prompt (tensors the trainer disposes through tidy scopes).
 */
export interface LoraTrainableModel<C = unknown> {
  /** The denoiser LoRA is injected into (diffusers' `transformer`). */
  readonly transformer: Module;
  /** Latent shape [C, h, w] of one image at the model's native resolution (for previews and sampling). */
  readonly latentShape: readonly [number, number, number];
  /** Image side in pixels the model was trained at: the default training resolution. */
  readonly resolution?: number;
  /** Pixels per latent patch (autoencoder downsampling x patch size): the default bucket step. */
  readonly bucketStep?: number;
  /** Prompts -> conditioning (run without autograd by the trainer). */
  encodePrompt(texts: readonly string[]): C;
  /** Images [B, 3, H, W] in [-1, 1] -> latents [B, c, h, w]. */
  encodeImages(images: Tensor): Tensor;
  /** Latents -> images [B, 3, H, W] in [-1, 1]. */
  decodeLatents(latents: Tensor): Tensor;
  /** Velocity prediction for latents x [B, c, h, w] at per-sample sigmas [B] (with autograd). */
  velocity(x: Tensor, sigmas: Tensor, cond: C): Tensor;
}
