import { Linear, Module, ModuleList, RMSNorm, type InitOptions, type Tensor } from '@loraflow/tensor-core';
import { FlowDitError } from './flow-dit-error.js';
import { JointRope } from './joint-attention.js';
import { MMDiTBlock } from './mmdit-block.js';
import { AdaLayerNormContinuous } from './modulation.js';
import { transformerHidden, type TransformerConfig } from './model-config.js';
import { patchify, unpatchify } from './patchify.js';
import { qwenImagePositions, ropeAngles, ropeTables } from './rotary-embedding.js';
import { TimeTextEmbed } from './timestep-embedding.js';

/** Inputs of one transformer call. */
export interface TransformerInput {
  /** Noisy latents [B, C, H, W]. */
  latents: Tensor;
  /** Noise levels [B] in [0, 1] (Qwen-Image's timestep / 1000). */
  sigmas: Tensor;
  /** Text encoder hidden states [B, Lt, textDim]. */
  text: Tensor;
  /** [B, Lt] u8, 1 = real token; omitted = all real. */
  textMask?: Tensor | null;
}

/**
 * A small QwenImageTransformer2DModel: the same modules and parameter names (img_in, txt_norm, txt_in,
 * time_text_embed.timestep_embedder.linear_1/2, transformer_blocks.{i}.*, norm_out.linear, proj_out) at config sizes.
 * It takes unpacked latents and returns the velocity in the same layout; patchify/unpatchify happen inside.
 */
export class MMDiTTransformer extends Module {
  time_text_embed: TimeTextEmbed;
  txt_norm: RMSNorm;
  img_in: Linear;
  txt_in: Linear;
  transformer_blocks: ModuleList<MMDiTBlock>;
  norm_out: AdaLayerNormContinuous;
  proj_out: Linear;
  readonly config: TransformerConfig;

  constructor(config: TransformerConfig, opts: InitOptions = {}) {
    super();
    const dim = transformerHidden(config);
    const packed = config.latentChannels * config.patchSize ** 2;
    this.time_text_embed = new TimeTextEmbed(dim, opts);
    this.txt_norm = new RMSNorm(config.textDim, 1e-6, opts);
    this.img_in = new Linear(packed, dim, opts);
    this.txt_in = new Linear(config.textDim, dim, opts);
    this.transformer_blocks = new ModuleList(Array.from({ length: config.depth }, () => new MMDiTBlock(dim, config.heads, Math.round(dim * config.mlpRatio), opts)));
    this.norm_out = new AdaLayerNormContinuous(dim, dim, opts);
    this.proj_out = new Linear(dim, packed, opts);
    this.config = config;
    Object.defineProperty(this, 'config', { enumerable: false });
  }

  /** Rotary tables for an image grid and a text length (recomputed per call; they are tiny). */
  rope(gridH: number, gridW: number, textLen: number, latents: Tensor): JointRope {
    const { ropeAxes, ropeTheta } = this.config;
    const pos = qwenImagePositions(gridH, gridW, textLen);
    return {
      image: ropeTables(ropeAngles(pos.image, ropeAxes, ropeTheta), pos.image.length, latents.device),
      text: ropeTables(ropeAngles(pos.text, ropeAxes, ropeTheta), textLen, latents.device),
    };
  }

  /** Predicts the flow-matching velocity (noise - x0) for noisy latents [B, C, H, W]. */
  forward(input: TransformerInput): Tensor {
    const { latents, sigmas, text, textMask } = input;
    const p = this.config.patchSize;
    const [b, c, h, w] = latents.shape;
    if (latents.ndim !== 4 || c !== this.config.latentChannels) {
      throw new FlowDitError(`MMDiTTransformer: latents [${latents.shape}], expected [B, ${this.config.latentChannels}, H, W]`);
    }
    if (text.ndim !== 3 || text.shape[0] !== b || text.shape[2] !== this.config.textDim) {
      throw new FlowDitError(`MMDiTTransformer: text [${text.shape}], expected [${b}, Lt, ${this.config.textDim}]`);
    }
    if (sigmas.size !== b) throw new FlowDitError(`MMDiTTransformer: sigmas [${sigmas.shape}], expected ${b} values`);
    const gh = h / p, gw = w / p;
    const rope = this.rope(gh, gw, text.shape[1], latents);
    let img = this.img_in.forward(patchify(latents, p));
    let txt = this.txt_in.forward(this.txt_norm.forward(text));
    const temb = this.time_text_embed.forward(sigmas.reshape([b]));
    for (const block of this.transformer_blocks) [img, txt] = block.forward(img, txt, temb, rope, textMask);
    return unpatchify(this.proj_out.forward(this.norm_out.forward(img, temb)), p, gh, gw);
  }
}
