import { TensorError } from '../../errors.js';
import { contiguousStrides, normalizeAxis, shapeSize } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { commonDevice, resultTensor } from '../op-result.js';
import { cast } from '../cast.js';
import { narrow } from './slice.js';
import { unsqueeze } from './reshape.js';

/** Joins tensors along an existing axis (all other extents must match; dtypes promote to the first float dtype). */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new TensorError('concat: needs at least one tensor');
  const first = xs[0];
  const a = normalizeAxis(axis, first.ndim, 'concat');
  for (const [k, t] of xs.entries()) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new TensorError(`concat: tensor ${k} has shape [${t.shape}], expected [${first.shape}] except on axis ${a}`);
    }
  }
  const device = commonDevice('concat', xs);
  const dtype = first.dtype;
  const parts = xs.map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
  const shape = [...first.shape];
  shape[a] = parts.reduce((acc, t) => acc + t.shape[a], 0);
  const out = device.backend.fill(shapeSize(shape), dtype, 0);
  const strides = contiguousStrides(shape);
  let at = 0;
  for (const t of parts) {
    if (t.size > 0) device.backend.copy(t.storage, { offset: 0, strides: contiguousStrides(t.shape) }, out, { offset: at * strides[a], strides }, t.shape);
    at += t.shape[a];
  }
  for (const [k, t] of parts.entries()) if (t !== xs[k]) t.dispose();
  const sizes = xs.map((t) => t.shape[a]);
  return resultTensor('concat', out, shape, dtype, device, xs, (g) => {
    let start = 0;
    return sizes.map((n) => {
      const piece = narrow(g, a, start, n);
      start += n;
      return piece;
    });
  });
}

/** Joins tensors of equal shape along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new TensorError('stack: needs at least one tensor');
  const a = normalizeAxis(axis, xs[0].ndim + 1, 'stack');
  const expanded = xs.map((t) => unsqueeze(t, a));
  return concat(expanded, a);
}

/** Splits along `axis` into pieces of the given sizes, or into `sections` equal pieces when a number is given. */
export function split(x: Tensor, sizesOrSections: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.ndim, 'split');
  const n = x.shape[a];
  let sizes: number[];
  if (typeof sizesOrSections === 'number') {
    if (n % sizesOrSections !== 0) throw new TensorError(`split: axis ${a} of [${x.shape}] (${n}) does not divide into ${sizesOrSections} equal parts`);
    sizes = new Array<number>(sizesOrSections).fill(n / sizesOrSections);
  } else sizes = [...sizesOrSections];
  if (sizes.reduce((s, v) => s + v, 0) !== n) throw new TensorError(`split: sizes [${sizes}] do not sum to ${n} (axis ${a} of [${x.shape}])`);
  let start = 0;
  return sizes.map((len) => {
    const piece = narrow(x, a, start, len);
    start += len;
    return piece;
  });
}
