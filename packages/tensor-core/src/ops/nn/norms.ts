import { TensorError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { rsqrt } from '../elementwise/unary.js';
import { reshape } from '../layout/reshape.js';
import { resultTensor, runF32 } from '../op-result.js';
import { mean } from '../reduce/reduce.js';
import { asF32 } from '../cast.js';
import { contiguousStrides } from '../../shape.js';

/**
 * Normalises over the last axis, (x - mean) / sqrt(var + eps) or x / sqrt(mean(x^2) + eps) when not
 * centring, then applies an optional per-column affine y = xhat * weight + bias. Uses the backend's
 * fused row kernels when it has them (saving xhat and rstd so the backward is one fused kernel),
 * else a composite of primitives.
 */
function normalizeLast(x: Tensor, eps: number, center: boolean, weight: Tensor | null = null, bias: Tensor | null = null): Tensor {
  const backend = x.device.backend;
  const cols = x.shape[x.ndim - 1];
  const perColumn = (t: Tensor | null) => !t || (t.ndim === 1 && t.shape[0] === cols);
  const affine = weight !== null || bias !== null;
  if (!backend.normalizeRows || x.size === 0 || (affine && (!backend.normalizeRowsBackward || !perColumn(weight) || !perColumn(bias)))) {
    let y = normalizeComposite(x, eps, center);
    if (weight) y = y.mul(weight);
    if (bias) y = y.add(bias);
    return y;
  }
  const rows = x.size / cols;
  const fusedGrad = backend.normalizeRowsBackward !== undefined;
  const affineInputs = [weight, bias].filter((t): t is Tensor => t !== null);
  let rstd: Tensor | null = null;
  let xhat: Tensor | null = null;
  const y: Tensor = runF32(
    center ? 'layerNorm' : 'rmsNorm',
    [x, ...affineInputs],
    ([s, ...params], d) => {
      const r = d.backend.normalizeRows!(s, rows, cols, eps, center);
      rstd = resultTensor('rstd', r.rstd, [...x.shape.slice(0, -1), 1], 'f32', d, []);
      if (!affine) return r.y;
      xhat = resultTensor('xhat', r.y, x.shape, 'f32', d, []);
      const rowStrides = contiguousStrides(x.shape);
      const colStrides = x.shape.map((_, i) => (i === x.ndim - 1 ? 1 : 0));
      let out = weight ? d.backend.binary('mul', r.y, rowStrides, params[0], colStrides, x.shape) : null;
      if (bias) {
        const summed = d.backend.binary('add', out ?? r.y, rowStrides, params[params.length - 1], colStrides, x.shape);
        if (out) d.backend.free(out);
        out = summed;
      }
      return out!;
    },
    x.shape,
    (g) => {
      if (!fusedGrad) {
        // d xhat -> d x: rstd * (g - mean(g) - xhat * mean(g * xhat)); the mean(g) term only when centring.
        let dx = g.sub(y.mul(mean(g.mul(y), -1, true)));
        if (center) dx = dx.sub(mean(g, -1, true));
        return [dx.mul(rstd!)];
      }
      const xh = asF32(xhat ?? y);
      const r = backend.normalizeRowsBackward!(asF32(g).storage, xh.storage, rstd!.storage, weight && asF32(weight).storage, rows, cols, center);
      const grads: (Tensor | null)[] = [resultTensor('layerNorm.dx', r.dx, x.shape, 'f32', x.device, [])];
      if (weight) grads.push(resultTensor('layerNorm.dWeight', r.dWeight, weight.shape, 'f32', x.device, []));
      else backend.free(r.dWeight);
      if (bias) grads.push(resultTensor('layerNorm.dBias', r.dBias, bias.shape, 'f32', x.device, []));
      else backend.free(r.dBias);
      return grads;
    },
  );
  return y;
}

/** The normalisation out of primitives, for backends without fused row kernels. */
function normalizeComposite(x: Tensor, eps: number, center: boolean): Tensor {
  const centered = center ? x.sub(mean(x, -1, true)) : x;
  return centered.mul(rsqrt(mean(centered.mul(centered), -1, true).add(eps)));
}

/** Layer norm over the trailing `normalizedShape` axes (biased variance, as PyTorch). */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const tail = x.shape.slice(x.ndim - normalizedShape.length);
  if (tail.length !== normalizedShape.length || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new TensorError(`layerNorm: input [${x.shape}] does not end with normalized shape [${normalizedShape}]`);
  }
  const flat = normalizedShape.length === 1 ? x : reshape(x, [...x.shape.slice(0, x.ndim - normalizedShape.length), -1]);
  if (flat === x) return normalizeLast(x, eps, true, weight ?? null, bias ?? null);
  let y = reshape(normalizeLast(flat, eps, true), x.shape);
  if (weight) y = y.mul(weight);
  if (bias) y = y.add(bias);
  return y;
}

/** RMS norm over the last axis: x / sqrt(mean(x^2) + eps) * weight (Qwen-Image's QK-norm). */
export function rmsNorm(x: Tensor, weight?: Tensor | null, eps = 1e-6): Tensor {
  return normalizeLast(x, eps, false, weight ?? null);
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
