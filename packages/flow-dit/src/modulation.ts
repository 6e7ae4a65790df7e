import { layerNorm, Linear, Module, SiLU, split, type InitOptions, type Tensor } from '@loraflow/tensor-core';

/** One adaLN modulation: shift, scale and gate, each [B, 1, dim]. */
export interface Modulation {
  shift: Tensor;
  scale: Tensor;
  gate: Tensor;
}

/** Splits a [B, 3*dim] modulation vector into Qwen-Image's (shift, scale, gate) order. */
export function modulationParts(params: Tensor): Modulation {
  const [shift, scale, gate] = split(params.unsqueeze(1), 3, 2);
  return { shift, scale, gate };
}

/** x * (1 + scale) + shift (Qwen-Image's `_modulate`). */
export function modulate(x: Tensor, m: Modulation): Tensor {
  return x.mul(m.scale.add(1)).add(m.shift);
}

/** LayerNorm without affine weights (Qwen-Image's img_norm1/2, txt_norm1/2, eps 1e-6). */
export function plainLayerNorm(x: Tensor, eps = 1e-6): Tensor {
  return layerNorm(x, [x.shape[x.ndim - 1]], null, null, eps);
}

/** diffusers AdaLayerNormContinuous (Qwen-Image's `norm_out`): norm(x) * (1 + scale) + shift from Linear(SiLU(temb)), scale first. */
export class AdaLayerNormContinuous extends Module {
  silu: SiLU;
  linear: Linear;

  constructor(dim: number, condDim: number, opts: InitOptions = {}) {
    super();
    this.silu = new SiLU();
    this.linear = new Linear(condDim, 2 * dim, opts);
  }

  forward(x: Tensor, temb: Tensor): Tensor {
    const [scale, shift] = split(this.linear.forward(this.silu.forward(temb)).unsqueeze(1), 2, 2);
    return plainLayerNorm(x).mul(scale.add(1)).add(shift);
  }
}
