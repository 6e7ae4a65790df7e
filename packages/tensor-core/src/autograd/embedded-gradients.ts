import { retainedCount } from '../device/storage-refs.js';
import { contiguousStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** A box inside a tensor: where `embed` wrote its input; everything outside is the fill value 0. */
interface Box {
  readonly offsets: readonly number[];
  readonly shape: readonly number[];
}

const boxes = new WeakMap<Tensor, Box[]>();

/** Records that `t` is zero except inside the box (the gradient of a slice: `embed` into zeros). */
export function markEmbedded(t: Tensor, offsets: readonly number[], shape: readonly number[]): void {
  boxes.set(t, [{ offsets, shape }]);
}

function overlaps(a: Box, b: Box): boolean {
  return a.offsets.every((o, i) => o < b.offsets[i] + b.shape[i] && b.offsets[i] < o + a.shape[i]);
}

/**
 * prev + next when both are zero outside disjoint boxes and prev's memory is ours alone: copies
 * next's box into prev instead of adding two full-size tensors. The gradients of split / chunk
 * pieces meet this way, so k pieces cost one fill and k slice copies rather than k fills and
 * k - 1 full adds. Returns null when the shortcut does not apply.
 */
export function accumulateEmbedded(prev: Tensor, next: Tensor): Tensor | null {
  const have = boxes.get(prev);
  const add = boxes.get(next);
  if (!have || !add || add.length !== 1 || prev.dtype !== next.dtype || prev.device !== next.device) return null;
  if (prev.ndim !== next.ndim || prev.shape.some((d, i) => d !== next.shape[i])) return null;
  if (retainedCount(prev.storage) !== 1 || have.some((b) => overlaps(b, add[0]))) return null;
  const box = add[0];
  const strides = contiguousStrides(prev.shape);
  const offset = box.offsets.reduce((acc, o, i) => acc + o * strides[i], 0);
  prev.device.backend.copy(next.storage, { offset, strides }, prev.storage, { offset, strides }, box.shape);
  have.push(box);
  return prev;
}
