import { FlowDitError } from './flow-dit-error.js';

/** Sizes of the MMDiT (QwenImageTransformer2DModel's config, in camelCase). */
export interface TransformerConfig {
  /** Latent patch size (Qwen-Image: 2). */
  patchSize: number;
  /** Latent channels of the autoencoder (Qwen-Image: 16); the packed input has patchSize^2 times as many. */
  latentChannels: number;
  /** Number of dual-stream blocks (`transformer_blocks.{i}`). */
  depth: number;
  /** Attention heads; hidden size = heads * headDim. */
  heads: number;
  /** Per-head size; must equal the sum of ropeAxes. */
  headDim: number;
  /** MLP hidden size as a multiple of the hidden size (diffusers FeedForward: 4). */
  mlpRatio: number;
  /** Size of the text encoder's hidden states (`joint_attention_dim`). */
  textDim: number;
  /** RoPE sizes of the (frame, height, width) axes (Qwen-Image: 16, 56, 56); each even. */
  ropeAxes: [number, number, number];
  /** RoPE base (Qwen-Image: 10000). */
  ropeTheta: number;
}

/** Sizes of the convolutional autoencoder. */
export interface AutoencoderConfig {
  /** Image channels (RGB). */
  inChannels: number;
  /** Latent channels. */
  latentChannels: number;
  /** Channels of each resolution level; the image is halved between levels (3 levels = x4 down). */
  blockChannels: number[];
  /** GroupNorm groups. */
  normGroups: number;
  /** Per-channel latent mean and std measured on the training data (Qwen-Image's latents_mean / latents_std). */
  latentsMean: number[];
  latentsStd: number[];
}

/** Sizes of the text encoder and its tokenizer. */
export interface TextEncoderConfig {
  /** Hash buckets of the word tokenizer, including the 2 reserved ids (0 = padding, 1 = start). */
  vocabSize: number;
  /** Seed of the word hash (see WordTokenizer). */
  hashSeed: number;
  /** Longest token sequence (start token included); longer prompts are cut. */
  maxLength: number;
  /** Hidden size (the transformer's textDim). */
  hidden: number;
  /** Encoder layers. */
  layers: number;
  heads: number;
  /** SwiGLU MLP hidden size. */
  intermediate: number;
  /** RoPE base of the 1-D token positions. */
  ropeTheta: number;
}

/** Everything needed to rebuild a pipeline's modules (saved as config.json). */
export interface PipelineConfig {
  transformer: TransformerConfig;
  vae: AutoencoderConfig;
  textEncoder: TextEncoderConfig;
  /** Image side in pixels the model was trained at. */
  resolution: number;
  /** Free-form facts about how the weights were made (held-out theme, steps, ...). */
  training?: Record<string, unknown>;
}

/** The defaults: the committed base model's sizes (64x64 images, 16x16x4 latents, 64 image tokens). */
export const DEFAULT_PIPELINE_CONFIG = {
  transformer: { patchSize: 2, latentChannels: 4, depth: 4, heads: 3, headDim: 32, mlpRatio: 4, textDim: 96, ropeAxes: [8, 12, 12], ropeTheta: 10000 },
  vae: { inChannels: 3, latentChannels: 4, blockChannels: [16, 32, 32], normGroups: 8, latentsMean: [0, 0, 0, 0], latentsStd: [1, 1, 1, 1] },
  textEncoder: { vocabSize: 4096, hashSeed: 0, maxLength: 48, hidden: 96, layers: 2, heads: 3, intermediate: 192, ropeTheta: 10000 },
  resolution: 64,
} satisfies PipelineConfig;

/** Hidden size of a transformer config. */
export function transformerHidden(c: TransformerConfig): number {
  return c.heads * c.headDim;
}

/** Throws a FlowDitError naming the first inconsistent field of a pipeline config. */
export function validatePipelineConfig(c: PipelineConfig, source = 'config'): void {
  const t = c.transformer;
  const axes = t.ropeAxes.reduce((a, b) => a + b, 0);
  if (axes !== t.headDim) throw new FlowDitError(`${source}: transformer.ropeAxes [${t.ropeAxes}] sum to ${axes}, expected headDim ${t.headDim}`);
  if (t.ropeAxes.some((a) => a % 2 !== 0)) throw new FlowDitError(`${source}: transformer.ropeAxes [${t.ropeAxes}] must all be even`);
  if (t.textDim !== c.textEncoder.hidden) throw new FlowDitError(`${source}: transformer.textDim ${t.textDim} != textEncoder.hidden ${c.textEncoder.hidden}`);
  if (t.latentChannels !== c.vae.latentChannels) throw new FlowDitError(`${source}: transformer.latentChannels ${t.latentChannels} != vae.latentChannels ${c.vae.latentChannels}`);
  if (c.vae.latentsMean.length !== c.vae.latentChannels || c.vae.latentsStd.length !== c.vae.latentChannels) {
    throw new FlowDitError(`${source}: vae.latentsMean/latentsStd need ${c.vae.latentChannels} values, got ${c.vae.latentsMean.length}/${c.vae.latentsStd.length}`);
  }
  if (c.vae.blockChannels.some((ch) => ch % c.vae.normGroups !== 0)) throw new FlowDitError(`${source}: vae.blockChannels [${c.vae.blockChannels}] must be divisible by normGroups ${c.vae.normGroups}`);
  if (c.textEncoder.hidden % c.textEncoder.heads !== 0 || (c.textEncoder.hidden / c.textEncoder.heads) % 2 !== 0) {
    throw new FlowDitError(`${source}: textEncoder.hidden ${c.textEncoder.hidden} must split into ${c.textEncoder.heads} heads of even size`);
  }
  if (c.textEncoder.vocabSize < 3) throw new FlowDitError(`${source}: textEncoder.vocabSize ${c.textEncoder.vocabSize}, expected at least 3`);
  const down = 2 ** (c.vae.blockChannels.length - 1) * t.patchSize;
  if (c.resolution % down !== 0) throw new FlowDitError(`${source}: resolution ${c.resolution} is not divisible by ${down} (autoencoder downsampling x patch size)`);
}
