import { TensorError } from '../../errors.js';
import { normalizeAxes, normalizeAxis, shapeSize, type Shape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { shareStorage } from './strided-copy.js';

function resolveShape(x: Tensor, shape: readonly number[]): number[] {
  const out = [...shape];
  const free = out.indexOf(-1);
  if (free !== out.lastIndexOf(-1)) throw new TensorError(`reshape: more than one -1 in [${shape}]`);
  if (free >= 0) {
    const rest = shapeSize(out.filter((_, i) => i !== free));
    if (rest === 0 || x.size % rest !== 0) throw new TensorError(`reshape: cannot infer -1 in [${shape}] for ${x.size} elements`);
    out[free] = x.size / rest;
  }
  if (shapeSize(out) !== x.size) throw new TensorError(`reshape: [${x.shape}] (${x.size} elements) cannot become [${shape}]`);
  return out;
}

/** The same values under a new shape (one extent may be -1); shares storage, no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = resolveShape(x, shape);
  return shareStorage('reshape', x, target, (g) => [reshape(g, x.shape)]);
}

/** Merges axes startAxis..endAxis into one. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeAxis(startAxis, x.ndim, 'flatten');
  const e = normalizeAxis(endAxis, x.ndim, 'flatten');
  const merged = shapeSize(x.shape.slice(s, e + 1));
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/** Inserts an axis of extent 1 at `axis` (negative counts from the end of the result). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.ndim + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Removes axes of extent 1 (all of them, or the listed ones, which must be 1). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const drop = axes === undefined ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : normalizeAxes(axes, x.ndim, 'squeeze');
  for (const a of drop) if (x.shape[a] !== 1) throw new TensorError(`squeeze: axis ${a} of [${x.shape}] has extent ${x.shape[a]}, expected 1`);
  return reshape(x, x.shape.filter((_, i) => !drop.includes(i)) as Shape);
}

/** A tensor that shares `x`'s values but is cut off from the autograd graph. */
export function detach(x: Tensor): Tensor {
  return shareStorage('detach', x, x.shape);
}
