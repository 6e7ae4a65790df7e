import { TensorError } from '../../errors.js';
import { contiguousStrides, normalizeAxis } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { reshape } from './reshape.js';
import { stridedCopy } from './strided-copy.js';

/** Reorders axes: result axis i is input axis axes[i]. */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  const perm = axes.map((a) => normalizeAxis(a, x.ndim, 'permute'));
  if (perm.length !== x.ndim || new Set(perm).size !== x.ndim) {
    throw new TensorError(`permute: [${axes}] is not a permutation of the ${x.ndim} axes of [${x.shape}]`);
  }
  if (perm.every((p, i) => p === i)) return reshape(x, x.shape);
  const strides = contiguousStrides(x.shape);
  const shape = perm.map((p) => x.shape[p]);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return stridedCopy('permute', x, shape, { offset: 0, strides: perm.map((p) => strides[p]) }, (g) => [permute(g, inverse)]);
}

/** Swaps two axes. */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const axes = Array.from({ length: x.ndim }, (_, i) => i);
  const i = normalizeAxis(a, x.ndim, 'transpose');
  const j = normalizeAxis(b, x.ndim, 'transpose');
  [axes[i], axes[j]] = [axes[j], axes[i]];
  return permute(x, axes);
}
