import { permute, reshape, type Tensor } from '@loraflow/tensor-core';
import { FlowDitError } from './flow-dit-error.js';

/**
 * Latents [B, C, H, W] -> tokens [B, (H/p)(W/p), C p p], row-major over the patch grid with channels ordered
 * (c, dy, dx), as Qwen-Image's `_pack_latents`.
 */
export function patchify(latents: Tensor, patch: number): Tensor {
  const [b, c, h, w] = latents.shape;
  if (latents.ndim !== 4 || h % patch !== 0 || w % patch !== 0) {
    throw new FlowDitError(`patchify: latents [${latents.shape}], expected [B, C, H, W] with H and W divisible by patch size ${patch}`);
  }
  const x = reshape(latents, [b, c, h / patch, patch, w / patch, patch]);
  return reshape(permute(x, [0, 2, 4, 1, 3, 5]), [b, (h / patch) * (w / patch), c * patch * patch]);
}

/** The inverse of {@link patchify}: tokens [B, gh*gw, C p p] -> latents [B, C, gh p, gw p]. */
export function unpatchify(tokens: Tensor, patch: number, gridH: number, gridW: number): Tensor {
  const [b, l, d] = tokens.shape;
  if (tokens.ndim !== 3 || l !== gridH * gridW || d % (patch * patch) !== 0) {
    throw new FlowDitError(`unpatchify: tokens [${tokens.shape}], expected [B, ${gridH * gridW}, C*${patch * patch}] for a ${gridH}x${gridW} grid`);
  }
  const c = d / (patch * patch);
  const x = reshape(tokens, [b, gridH, gridW, c, patch, patch]);
  return reshape(permute(x, [0, 3, 1, 4, 2, 5]), [b, c, gridH * patch, gridW * patch]);
}
