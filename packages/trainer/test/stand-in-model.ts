/** A tiny flow model with one Linear (over channels) and one 3x3 Conv2d, shaped like a pipeline, for trainer tests. */
import { Conv2d, Generator, Linear, Module, permute, tensor, type Tensor } from '@loraflow/tensor-core';
import type { LoraTrainableModel } from '../src/index.js';

type Forward = { forward(x: Tensor): Tensor };

class StandInDenoiser extends Module {
  proj: Linear;
  conv: Conv2d;

  constructor(seed: number) {
    super();
    const generator = new Generator(seed);
    this.proj = new Linear(3, 3, { generator });
    this.conv = new Conv2d(3, 3, 3, { padding: 1, generator });
  }

  forward(x: Tensor, sigmas: Tensor, text: Tensor): Tensor {
    const b = x.shape[0];
    const channelsLast = permute(x, [0, 2, 3, 1]);
    const mixed = permute((this.proj as unknown as Forward).forward(channelsLast), [0, 3, 1, 2]);
    const local = (this.conv as unknown as Forward).forward(x);
    return mixed.add(local).add(text.reshape([b, 3, 1, 1]).mul(sigmas.reshape([b, 1, 1, 1])));
  }
}

/** The prompt as a 3-vector from its characters (deterministic, no parameters). */
function textVector(t: string): number[] {
  const v = [0, 0, 0];
  for (let i = 0; i < t.length; i++) v[i % 3] += ((t.charCodeAt(i) % 17) - 8) / 8;
  return v.map((x) => x / Math.max(1, t.length / 3));
}

/** A stand-in pipeline: identity autoencoder, character-hash text encoder, Linear + Conv2d denoiser. */
export function standInModel(seed = 0, side = 16): LoraTrainableModel<{ text: Tensor }> & { poison: boolean } {
  const transformer = new StandInDenoiser(seed);
  const model = {
    transformer,
    poison: false,
    latentShape: [3, side, side] as const,
    resolution: side,
    bucketStep: 8,
    encodePrompt: (texts: readonly string[]) => ({ text: tensor(texts.flatMap(textVector), [texts.length, 3]) }),
    encodeImages: (images: Tensor) => images.mul(1),
    decodeLatents: (latents: Tensor) => latents.clamp(-1, 1),
    velocity: (x: Tensor, sigmas: Tensor, cond: { text: Tensor }) => {
      const v = transformer.forward(x, sigmas, cond.text);
      return model.poison ? v.mul(Number.NaN) : v;
    },
  };
  return model;
}
