import { full, keep, noGrad, tidy, type Device, type InitOptions, type Tensor } from '@loraflow/tensor-core';
import { Autoencoder } from './autoencoder.js';
import { FlowDitError } from './flow-dit-error.js';
import { DEFAULT_PIPELINE_CONFIG, validatePipelineConfig, type PipelineConfig } from './model-config.js';
import { MMDiTTransformer } from './mmdit-transformer.js';
import { TextEncoder } from './text-encoder.js';
import { WordTokenizer } from './word-tokenizer.js';

/** Encoded prompts: text encoder hidden states [B, T, textDim] and their mask [B, T] (u8, 1 = real token). */
export interface PromptEmbedding {
  hidden: Tensor;
  mask: Tensor;
}

/** Per-call context of a sampler (structurally @loraflow/flow-samplers' ModelCall); ignored by the base model. */
export interface VelocityCall {
  branch: 'pos' | 'neg';
  loraScale: number;
}

/** A velocity function v(x, sigma, cond) with @loraflow/flow-samplers' VelocityModel signature. */
export type PipelineVelocityModel = (x: Tensor, sigma: number, cond: PromptEmbedding, call?: VelocityCall) => Tensor;

/** The three models of a text-to-image flow pipeline, the tokenizer and the config that rebuilds them. */
export class FlowPipeline {
  readonly transformer: MMDiTTransformer;
  readonly vae: Autoencoder;
  readonly textEncoder: TextEncoder;
  readonly tokenizer: WordTokenizer;

  constructor(readonly config: PipelineConfig, opts: InitOptions = {}) {
    validatePipelineConfig(config);
    this.transformer = new MMDiTTransformer(config.transformer, opts);
    this.vae = new Autoencoder(config.vae, opts);
    this.textEncoder = new TextEncoder(config.textEncoder, opts);
    this.tokenizer = new WordTokenizer(config.textEncoder.vocabSize, config.textEncoder.maxLength, config.textEncoder.hashSeed ?? 0);
  }

  /** Image side in pixels the model was trained at (the trainer's default resolution). */
  get resolution(): number {
    return this.config.resolution;
  }

  /** Pixels per latent patch: training buckets are multiples of this. */
  get bucketStep(): number {
    return this.vae.downsampling * this.config.transformer.patchSize;
  }

  /** Latent shape [C, h, w] of one image at the config resolution. */
  get latentShape(): [number, number, number] {
    const side = this.config.resolution / this.vae.downsampling;
    return [this.config.vae.latentChannels, side, side];
  }

  /** Tokenizes and encodes prompts (with autograd when enabled, so the text encoder can be trained). */
  encodePrompt(texts: readonly string[], device?: Device): PromptEmbedding {
    const { ids, mask } = this.tokenizer.batch(texts, device);
    const hidden = this.textEncoder.forward(ids, mask);
    ids.dispose();
    return { hidden, mask };
  }

  /** Images [B, 3, H, W] in [-1, 1] -> normalized latents. */
  encodeImages(images: Tensor): Tensor {
    return this.vae.encode(images);
  }

  /** Normalized latents -> images [B, 3, H, W] clamped to [-1, 1]. */
  decodeLatents(latents: Tensor): Tensor {
    return tidy(() => this.vae.decode(latents).clamp(-1, 1));
  }

  /** The transformer's velocity for latents x [B, C, h, w] at per-sample noise levels (training form, with autograd). */
  velocity(x: Tensor, sigmas: Tensor, cond: PromptEmbedding): Tensor {
    return this.transformer.forward({ latents: x, sigmas, text: cond.hidden, textMask: cond.mask });
  }

  /**
   * A sampler-ready velocity model (no autograd): one sigma for the whole batch; a conditioning batch of 1 is
   * repeated to the latent batch.
   */
  velocityModel(): PipelineVelocityModel {
    return (x, sigma, cond) => {
      const b = x.shape[0];
      const cb = cond.hidden.shape[0];
      if (cb !== b && cb !== 1) throw new FlowDitError(`velocityModel: conditioning batch ${cb} does not match latent batch ${b} (expected ${b} or 1)`);
      return keep(noGrad(() => tidy(() => {
        const hidden = cb === b ? cond.hidden : cond.hidden.expand([b, ...cond.hidden.shape.slice(1)]);
        const mask = cb === b ? cond.mask : cond.mask.expand([b, cond.mask.shape[1]]);
        return this.transformer.forward({ latents: x, sigmas: full([b], sigma, { device: x.device }), text: hidden, textMask: mask });
      })));
    };
  }

  /** Every parameter of the three models. */
  dispose(): void {
    this.transformer.dispose();
    this.vae.dispose();
    this.textEncoder.dispose();
  }
}

/** A pipeline with freshly initialised weights (defaults: the committed base model's sizes). */
export function createPipeline(config: PipelineConfig = structuredClone(DEFAULT_PIPELINE_CONFIG), opts: InitOptions = {}): FlowPipeline {
  return new FlowPipeline(config, opts);
}
