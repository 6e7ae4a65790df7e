import { cos, Linear, Module, SiLU, sin, tensor, concat, type Tensor, type InitOptions } from '@loraflow/tensor-core';

/** Sinusoidal channels of the timestep projection (diffusers `Timesteps(256, ...)` in Qwen-Image). */
export const TIMESTEP_CHANNELS = 256;

/**
 * diffusers' get_timestep_embedding with Qwen-Image's settings (flip_sin_to_cos, downscale_freq_shift 0, scale 1000):
 * sigma in [0, 1] is multiplied by 1000 and embedded as [cos(t f_k), sin(t f_k)], f_k = 10000^(-k / half).
 */
export function timestepProjection(sigmas: Tensor, channels = TIMESTEP_CHANNELS, scale = 1000): Tensor {
  const half = channels / 2;
  const freqs = new Float32Array(half);
  for (let k = 0; k < half; k++) freqs[k] = Math.exp((-Math.log(10000) * k) / half) * scale;
  const arg = sigmas.reshape([-1, 1]).mul(tensor(freqs, [1, half], { device: sigmas.device }));
  return concat([cos(arg), sin(arg)], 1);
}

/** diffusers TimestepEmbedding: linear_1, SiLU, linear_2. */
export class TimestepEmbedding extends Module {
  linear_1: Linear;
  act: SiLU;
  linear_2: Linear;

  constructor(inChannels: number, dim: number, opts: InitOptions = {}) {
    super();
    this.linear_1 = new Linear(inChannels, dim, opts);
    this.act = new SiLU();
    this.linear_2 = new Linear(dim, dim, opts);
  }

  forward(x: Tensor): Tensor {
    return this.linear_2.forward(this.act.forward(this.linear_1.forward(x)));
  }
}

/** Qwen-Image's `time_text_embed` (QwenTimestepProjEmbeddings): sinusoidal projection then `timestep_embedder`. */
export class TimeTextEmbed extends Module {
  timestep_embedder: TimestepEmbedding;

  constructor(dim: number, opts: InitOptions = {}) {
    super();
    this.timestep_embedder = new TimestepEmbedding(TIMESTEP_CHANNELS, dim, opts);
  }

  /** sigmas [B] in [0, 1] (the pipeline's timestep / 1000) -> [B, dim]. */
  forward(sigmas: Tensor): Tensor {
    return this.timestep_embedder.forward(timestepProjection(sigmas));
  }
}
