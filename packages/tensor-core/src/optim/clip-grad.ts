import { noGrad } from '../autograd/grad-mode.js';
import { full } from '../ops/creation.js';
import { keep, tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';

/**
 * Scales gradients in place so their global L2 norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_).
 * Returns the norm before clipping as a scalar tensor; the scaling runs on the device without a read-back.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): Tensor {
  const withGrad = params.filter((p) => p.grad);
  if (withGrad.length === 0) return full([], 0, { device: params[0]?.device });
  return noGrad(() =>
    tidy(() => {
      let total: Tensor | null = null;
      for (const p of withGrad) {
        const sq = p.grad!.square().sum();
        total = total ? total.add(sq) : sq;
      }
      const norm = total!.sqrt();
      const coef = full([], maxNorm, { device: norm.device }).div(norm.add(1e-6)).clamp(undefined, 1);
      for (const p of withGrad) p.grad!.assign(p.grad!.mul(coef));
      return keep(norm);
    }),
  );
}
