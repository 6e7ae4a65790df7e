import { TensorError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { rsqrt } from '../elementwise/unary.js';
import { reshape } from '../layout/reshape.js';
import { mean } from '../reduce/reduce.js';

function lastAxes(x: Tensor, count: number): number[] {
  return Array.from({ length: count }, (_, i) => x.ndim - count + i);
}

/** Layer norm over the trailing `normalizedShape` axes (biased variance, as PyTorch). */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const tail = x.shape.slice(x.ndim - normalizedShape.length);
  if (tail.length !== normalizedShape.length || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new TensorError(`layerNorm: input [${x.shape}] does not end with normalized shape [${normalizedShape}]`);
  }
  const axes = lastAxes(x, normalizedShape.length);
  const centered = x.sub(mean(x, axes, true));
  let y = centered.mul(rsqrt(mean(centered.mul(centered), axes, true).add(eps)));
  if (weight) y = y.mul(weight);
  if (bias) y = y.add(bias);
  return y;
}

/** RMS norm over the last axis: x / sqrt(mean(x^2) + eps) * weight (Qwen-Image's QK-norm). */
export function rmsNorm(x: Tensor, weight?: Tensor | null, eps = 1e-6): Tensor {
  let y = x.mul(rsqrt(mean(x.mul(x), -1, true).add(eps)));
  if (weight) y = y.mul(weight);
  return y;
}

/** Group norm of an [N, C, ...] tensor over groups of C/groups channels and all spatial positions. */
export function groupNorm(x: Tensor, groups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  if (x.ndim < 2 || x.shape[1] % groups !== 0) throw new TensorError(`groupNorm: channels of [${x.shape}] are not divisible into ${groups} groups`);
  const [n, c] = x.shape;
  const grouped = reshape(x, [n, groups, -1]);
  const centered = grouped.sub(mean(grouped, -1, true));
  const normed = reshape(centered.mul(rsqrt(mean(centered.mul(centered), -1, true).add(eps))), x.shape);
  const affineShape = [1, c, ...x.shape.slice(2).map(() => 1)];
  let y = normed;
  if (weight) y = y.mul(reshape(weight, affineShape));
  if (bias) y = y.add(reshape(bias, affineShape));
  return y;
}
