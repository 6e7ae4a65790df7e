import { tidy, type Tensor } from '@loraflow/tensor-core';

/** Classifier-free guidance: neg + scale * (pos - neg). */
export function cfgCombine(pos: Tensor, neg: Tensor, scale: number): Tensor {
  return tidy(() => neg.add(pos.sub(neg).mul(scale)));
}

/** L2 norm over `axes`, kept as size-1 axes so it broadcasts back. */
function normOver(t: Tensor, axes: readonly number[]): Tensor {
  return tidy(() => t.square().sum(axes, true).sqrt());
}

/**
 * Qwen-Image's norm-rescaled true CFG: comb = neg + scale (pos - neg), then comb * ||pos|| / ||comb||
 * with the norms taken per token over the channel axes (`axes`). For Qwen-Image's packed latents
 * [B, tokens, C] that is axes [-1] (diffusers' torch.norm(dim=-1)); for an unpacked [B, C, H, W] latent
 * use [1] to rescale per pixel over channels (Qwen-Image's tokens are 2x2 patches, so matching it exactly
 * on [B, C, H, W] means packing first). As in diffusers there is no epsilon: a zero comb gives NaN.
 */
export function normRescaledCfg(pos: Tensor, neg: Tensor, scale: number, axes: readonly number[] = [-1]): Tensor {
  return tidy(() => {
    const comb = cfgCombine(pos, neg, scale);
    return comb.mul(normOver(pos, axes).div(normOver(comb, axes)));
  });
}
