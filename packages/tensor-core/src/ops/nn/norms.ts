import { TensorError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { rsqrt } from '../elementwise/unary.js';
import { reshape } from '../layout/reshape.js';
import { resultTensor, runF32 } from '../op-result.js';
import { mean } from '../reduce/reduce.js';

/**
 * Normalises over the last axis: (x - mean) / sqrt(var + eps), or x / sqrt(mean(x^2) + eps) when not
 * centring. Uses the backend's fused row kernel when it has one (saving rstd for a closed-form
 * backward), else a composite of primitives.
 */
function normalizeLast(x: Tensor, eps: number, center: boolean): Tensor {
  const backend = x.device.backend;
  if (!backend.normalizeRows || x.size === 0) {
    const centered = center ? x.sub(mean(x, -1, true)) : x;
    return centered.mul(rsqrt(mean(centered.mul(centered), -1, true).add(eps)));
  }
  const cols = x.shape[x.ndim - 1];
  const rows = x.size / cols;
  let rstd: Tensor | null = null;
  const y: Tensor = runF32(
    center ? 'layerNorm' : 'rmsNorm',
    [x],
    ([s], d) => {
      const r = d.backend.normalizeRows!(s, rows, cols, eps, center);
      rstd = resultTensor('rstd', r.rstd, [...x.shape.slice(0, -1), 1], 'f32', d, []);
      return r.y;
    },
    x.shape,
    (g) => {
      // d xhat -> d x: rstd * (g - mean(g) - xhat * mean(g * xhat)); the mean(g) term only when centring.
      let dx = g.sub(y.mul(mean(g.mul(y), -1, true)));
      if (center) dx = dx.sub(mean(g, -1, true));
      return [dx.mul(rstd!)];
    },
  );
  return y;
}

/** Layer norm over the trailing `normalizedShape` axes (biased variance, as PyTorch). */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const tail = x.shape.slice(x.ndim - normalizedShape.length);
  if (tail.length !== normalizedShape.length || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new TensorError(`layerNorm: input [${x.shape}] does not end with normalized shape [${normalizedShape}]`);
  }
  const flat = normalizedShape.length === 1 ? x : reshape(x, [...x.shape.slice(0, x.ndim - normalizedShape.length), -1]);
  let y = normalizeLast(flat, eps, true);
  if (flat !== x) y = reshape(y, x.shape);
  if (weight) y = y.mul(weight);
  if (bias) y = y.add(bias);
  return y;
}

/** RMS norm over the last axis: x / sqrt(mean(x^2) + eps) * weight (Qwen-Image's QK-norm). */
export function rmsNorm(x: Tensor, weight?: Tensor | null, eps = 1e-6): Tensor {
  const y = normalizeLast(x, eps, false);
  return weight ? y.mul(weight) : y;
}

/** Group norm of an [N, C, ...] tensor over groups of C/groups channels and all spatial positions. */
export function groupNorm(x: Tensor, groups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  if (x.ndim < 2 || x.shape[1] % groups !== 0) throw new TensorError(`groupNorm: channels of [${x.shape}] are not divisible into ${groups} groups`);
  const [n, c] = x.shape;
  const normed = reshape(normalizeLast(reshape(x, [n, groups, -1]), eps, true), x.shape);
  const affineShape = [1, c, ...x.shape.slice(2).map(() => 1)];
  let y = normed;
  if (weight) y = y.mul(reshape(weight, affineShape));
  if (bias) y = y.add(reshape(bias, affineShape));
  return y;
}
