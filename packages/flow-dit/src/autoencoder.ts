import { Conv2d, GroupNorm, Module, ModuleList, silu, tensor, upsample, type InitOptions, type Tensor } from '@loraflow/tensor-core';
import { FlowDitError } from './flow-dit-error.js';
import type { AutoencoderConfig } from './model-config.js';
import { ResnetBlock2D } from './resnet-block.js';

/** diffusers Downsample2D with a conv: 3x3, stride 2 (`downsamplers.0.conv`). */
export class Downsample2D extends Module {
  conv: Conv2d;

  constructor(channels: number, opts: InitOptions = {}) {
    super();
    this.conv = new Conv2d(channels, channels, 3, { ...opts, stride: 2, padding: 1 });
  }

  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

/** diffusers Upsample2D: nearest x2 then a 3x3 conv (`upsamplers.0.conv`). */
export class Upsample2D extends Module {
  conv: Conv2d;

  constructor(channels: number, opts: InitOptions = {}) {
    super();
    this.conv = new Conv2d(channels, channels, 3, { ...opts, padding: 1 });
  }

  forward(x: Tensor): Tensor {
    return this.conv.forward(upsample(x, { scaleFactor: 2, mode: 'nearest' }));
  }
}

/** One resolution level: resnets.0 then an optional resampler (`downsamplers.0` / `upsamplers.0`). */
export class AutoencoderLevel extends Module {
  resnets: ModuleList<ResnetBlock2D>;
  downsamplers: ModuleList<Downsample2D> | null;
  upsamplers: ModuleList<Upsample2D> | null;

  constructor(inChannels: number, outChannels: number, groups: number, resample: 'down' | 'up' | null, opts: InitOptions = {}) {
    super();
    this.resnets = new ModuleList([new ResnetBlock2D(inChannels, outChannels, groups, opts)]);
    this.downsamplers = resample === 'down' ? new ModuleList([new Downsample2D(outChannels, opts)]) : null;
    this.upsamplers = resample === 'up' ? new ModuleList([new Upsample2D(outChannels, opts)]) : null;
  }

  forward(x: Tensor): Tensor {
    let y = this.resnets[0].forward(x);
    if (this.downsamplers) y = this.downsamplers[0].forward(y);
    if (this.upsamplers) y = this.upsamplers[0].forward(y);
    return y;
  }
}

/** Image [B, 3, H, W] in [-1, 1] -> raw latents [B, C, H/2^(L-1), W/2^(L-1)]. */
export class Encoder extends Module {
  conv_in: Conv2d;
  down_blocks: ModuleList<AutoencoderLevel>;
  conv_norm_out: GroupNorm;
  conv_out: Conv2d;

  constructor(c: AutoencoderConfig, opts: InitOptions = {}) {
    super();
    const ch = c.blockChannels;
    this.conv_in = new Conv2d(c.inChannels, ch[0], 3, { ...opts, padding: 1 });
    this.down_blocks = new ModuleList(ch.map((out, i) => new AutoencoderLevel(ch[Math.max(i - 1, 0)], out, c.normGroups, i < ch.length - 1 ? 'down' : null, opts)));
    this.conv_norm_out = new GroupNorm(c.normGroups, ch[ch.length - 1], 1e-6, opts);
    this.conv_out = new Conv2d(ch[ch.length - 1], c.latentChannels, 3, { ...opts, padding: 1 });
  }

  forward(x: Tensor): Tensor {
    let h = this.conv_in.forward(x);
    for (const level of this.down_blocks) h = level.forward(h);
    return this.conv_out.forward(silu(this.conv_norm_out.forward(h)));
  }
}

/** Raw latents -> image [B, 3, H, W] (roughly [-1, 1]). */
export class Decoder extends Module {
  conv_in: Conv2d;
  up_blocks: ModuleList<AutoencoderLevel>;
  conv_norm_out: GroupNorm;
  conv_out: Conv2d;

  constructor(c: AutoencoderConfig, opts: InitOptions = {}) {
    super();
    const ch = [...c.blockChannels].reverse();
    this.conv_in = new Conv2d(c.latentChannels, ch[0], 3, { ...opts, padding: 1 });
    this.up_blocks = new ModuleList(ch.map((out, i) => new AutoencoderLevel(ch[Math.max(i - 1, 0)], out, c.normGroups, i < ch.length - 1 ? 'up' : null, opts)));
    this.conv_norm_out = new GroupNorm(c.normGroups, ch[ch.length - 1], 1e-6, opts);
    this.conv_out = new Conv2d(ch[ch.length - 1], c.inChannels, 3, { ...opts, padding: 1 });
  }

  forward(z: Tensor): Tensor {
    let h = this.conv_in.forward(z);
    for (const level of this.up_blocks) h = level.forward(h);
    return this.conv_out.forward(silu(this.conv_norm_out.forward(h)));
  }
}

/**
 * A small deterministic convolutional autoencoder with diffusers AutoencoderKL-style names (`encoder.conv_in`,
 * `encoder.down_blocks.{i}.resnets.0.conv1`, `...downsamplers.0.conv`, `decoder.up_blocks.{i}.upsamplers.0.conv`,
 * `decoder.conv_out`). `encode`/`decode` apply the per-channel latent mean/std (Qwen-Image's latents_mean /
 * latents_std), so the diffusion model sees roughly unit-variance latents.
 */
export class Autoencoder extends Module {
  encoder: Encoder;
  decoder: Decoder;
  readonly config: AutoencoderConfig;

  constructor(config: AutoencoderConfig, opts: InitOptions = {}) {
    super();
    this.encoder = new Encoder(config, opts);
    this.decoder = new Decoder(config, opts);
    this.config = config;
    Object.defineProperty(this, 'config', { enumerable: false });
  }

  /** Spatial downsampling factor (2 per level after the first). */
  get downsampling(): number {
    return 2 ** (this.config.blockChannels.length - 1);
  }

  private stats(like: Tensor): { mean: Tensor; std: Tensor } {
    const shape = [1, this.config.latentChannels, 1, 1];
    const { latentsMean, latentsStd } = this.config;
    return { mean: tensor(latentsMean, shape, { device: like.device }), std: tensor(latentsStd, shape, { device: like.device }) };
  }

  /** Images [B, 3, H, W] in [-1, 1] -> normalized latents (z - mean) / std. */
  encode(images: Tensor): Tensor {
    if (images.ndim !== 4 || images.shape[1] !== this.config.inChannels) {
      throw new FlowDitError(`Autoencoder.encode: images [${images.shape}], expected [B, ${this.config.inChannels}, H, W]`);
    }
    const { mean, std } = this.stats(images);
    return this.encoder.forward(images).sub(mean).div(std);
  }

  /** Normalized latents -> images [B, 3, H, W]. */
  decode(latents: Tensor): Tensor {
    if (latents.ndim !== 4 || latents.shape[1] !== this.config.latentChannels) {
      throw new FlowDitError(`Autoencoder.decode: latents [${latents.shape}], expected [B, ${this.config.latentChannels}, h, w]`);
    }
    const { mean, std } = this.stats(latents);
    return this.decoder.forward(latents.mul(std).add(mean));
  }
}
