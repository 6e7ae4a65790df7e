import { TensorError } from '../../errors.js';
import { contiguousStrides, normalizeAxis, shapeSize, type Shape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { resultTensor } from '../op-result.js';
import { stridedCopy } from './strided-copy.js';
import { markEmbedded } from '../../autograd/embedded-gradients.js';

function clampIndex(i: number, n: number): number {
  const v = i < 0 ? i + n : i;
  return Math.min(Math.max(v, 0), n);
}

/** `x[starts[0]:ends[0], starts[1]:ends[1], ...]` with Python semantics (negative, clamped); missing axes are whole. */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[]): Tensor {
  if (starts.length > x.ndim || ends.length > x.ndim) throw new TensorError(`slice: ${Math.max(starts.length, ends.length)} bounds for a ${x.ndim}-d tensor [${x.shape}]`);
  const lo = x.shape.map((d, i) => clampIndex(starts[i] ?? 0, d));
  const hi = x.shape.map((d, i) => Math.max(lo[i], clampIndex(ends[i] ?? d, d)));
  const shape = hi.map((h, i) => h - lo[i]);
  const strides = contiguousStrides(x.shape);
  const offset = lo.reduce((acc, l, i) => acc + l * strides[i], 0);
  return stridedCopy('slice', x, shape, { offset, strides }, (g) => [embed(g, x.shape, lo)]);
}

/** `length` entries of `axis` starting at `start` (like torch.narrow). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'narrow');
  const starts = x.shape.map((_, i) => (i === a ? start : 0));
  const ends = x.shape.map((d, i) => (i === a ? start + length : d));
  return slice(x, starts, ends);
}

/** A tensor of `shape` filled with `value`, with `x` written at `offsets` (the adjoint of slice; the core of pad). */
export function embed(x: Tensor, shape: Shape, offsets: readonly number[], value = 0): Tensor {
  const backend = x.device.backend;
  const out = backend.fill(shapeSize(shape), x.dtype, value);
  const strides = contiguousStrides(shape);
  const offset = offsets.reduce((acc, o, i) => acc + o * strides[i], 0);
  if (x.size > 0) backend.copy(x.storage, { offset: 0, strides: contiguousStrides(x.shape) }, out, { offset, strides }, x.shape);
  const result = resultTensor('embed', out, shape, x.dtype, x.device, [x], (g) => [slice(g, offsets, offsets.map((o, i) => o + x.shape[i]))]);
  if (value === 0) markEmbedded(result, offsets, x.shape);
  return result;
}

/**
 * Pads with a constant, torch.nn.functional.pad style: `pads` lists (before, after) pairs starting
 * from the LAST axis, e.g. [left, right, top, bottom] for an NCHW image.
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) throw new TensorError(`pad: expected (before, after) pairs for at most ${x.ndim} axes, got [${pads}]`);
  if (pads.some((p) => !Number.isInteger(p) || p < 0)) throw new TensorError(`pad: pads must be non-negative integers, got [${pads}]`);
  const before = x.shape.map(() => 0);
  const shape = [...x.shape];
  for (let i = 0; i < pads.length / 2; i++) {
    const axis = x.ndim - 1 - i;
    before[axis] = pads[2 * i];
    shape[axis] += pads[2 * i] + pads[2 * i + 1];
  }
  return embed(x, shape, before, value);
}
