import type { ReduceOp } from '../../device/backend.js';
import { TensorError } from '../../errors.js';
import { normalizeAxes, normalizeAxis, shapeSize } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { asF32, cast } from '../cast.js';
import { eq } from '../elementwise/binary.js';
import { expand } from '../layout/expand.js';
import { permute } from '../layout/permute.js';
import { reshape } from '../layout/reshape.js';
import { resultTensor, runF32 } from '../op-result.js';

interface ReducePlan {
  axes: number[];
  outShape: number[];
  keptShape: number[];
  outer: number;
  inner: number;
}

function plan(x: Tensor, axes: number | readonly number[] | undefined, keepdim: boolean, op: string): ReducePlan {
  const list = normalizeAxes(axes, x.ndim, op);
  const keptShape = x.shape.map((d, i) => (list.includes(i) ? 1 : d));
  const outShape = keepdim ? keptShape : x.shape.filter((_, i) => !list.includes(i));
  const inner = shapeSize(list.map((a) => x.shape[a]));
  return { axes: list, outShape, keptShape, outer: x.size / Math.max(inner, 1), inner };
}

/** Moves the reduced axes last so each reduction is one contiguous row. */
function rowsLast(x: Tensor, axes: readonly number[]): Tensor {
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const order = [...rest, ...axes];
  return order.every((a, i) => a === i) ? x : permute(x, order);
}

/** [outer, reduce, inner] extents when the reduced axes are one contiguous run of axes, else null. */
function middleView(x: Tensor, axes: readonly number[]): [number, number, number] | null {
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1] + 1) return null;
  const first = axes[0];
  const last = axes[axes.length - 1];
  return [shapeSize(x.shape.slice(0, first)), shapeSize(x.shape.slice(first, last + 1)), shapeSize(x.shape.slice(last + 1))];
}

function reduceRaw(op: ReduceOp, x: Tensor, p: ReducePlan, backward?: (g: Tensor, y: Tensor) => Tensor): Tensor {
  if (p.inner === 0 && op !== 'sum') throw new TensorError(`${op}: cannot reduce over an empty axis of [${x.shape}]`);
  const middle = p.axes.length > 0 ? middleView(x, p.axes) : null;
  if (middle && middle[2] > 1 && x.device.backend.reduceMiddle && (op === 'sum' || op === 'max' || op === 'min')) {
    const [outer, r, inner] = middle;
    const y: Tensor = runF32(op, [x], ([s], d) => d.backend.reduceMiddle!(op, s, outer, r, inner), p.outShape, backward && ((g) => [backward(g, y)]));
    return y;
  }
  const rows = rowsLast(x, p.axes);
  const y: Tensor = runF32(op, [rows], ([s], d) => d.backend.reduce(op, s, p.outer, p.inner), p.outShape, backward && ((g) => [backward(g, y)]));
  if (rows !== x) {
    // Re-point the autograd edge at x (the permute is an implementation detail).
    if (y.gradNode) y.gradNode = { ...y.gradNode, inputs: [x] };
    rows.dispose();
  }
  return y;
}

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  const p = plan(x, axes, keepdim, 'sum');
  return reduceRaw('sum', x, p, (g) => expand(reshape(g, p.keptShape), x.shape));
}

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  const p = plan(x, axes, keepdim, 'mean');
  return sum(x, axes, keepdim).mul(1 / p.inner);
}

function extremum(op: 'max' | 'min', x: Tensor, axes: number | readonly number[] | undefined, keepdim: boolean): Tensor {
  const p = plan(x, axes, keepdim, op);
  return reduceRaw(op, x, p, (g, y) => {
    // Ties share the gradient evenly (PyTorch's amax/amin rule).
    const mask = cast(eq(x, reshape(y, p.keptShape)), 'f32');
    const count = sum(mask, p.axes, true);
    return mask.div(count).mul(expand(reshape(g, p.keptShape), x.shape));
  });
}

/** Maximum over `axes` (all when omitted). */
export function max(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  return extremum('max', x, axes, keepdim);
}

/** Minimum over `axes` (all when omitted). */
export function min(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  return extremum('min', x, axes, keepdim);
}

/** Variance over `axes` with Bessel's correction by default (`correction: 1`, as torch.var). */
export function variance(x: Tensor, axes?: number | readonly number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
  const p = plan(x, axes, true, 'var');
  const correction = opts.correction ?? 1;
  const centered = x.sub(mean(x, p.axes, true));
  const ss = sum(centered.mul(centered), p.axes, opts.keepdim ?? false);
  return ss.mul(1 / Math.max(p.inner - correction, 0));
}

function argExtremum(op: 'argmax' | 'argmin', x: Tensor, axis: number, keepdim: boolean): Tensor {
  const a = normalizeAxis(axis, x.ndim, op);
  const p = plan(x, [a], keepdim, op);
  const rows = rowsLast(x, [a]);
  const x32 = asF32(rows);
  const storage = x.device.backend.reduce(op, x32.storage, p.outer, p.inner);
  if (x32 !== rows) x32.dispose();
  if (rows !== x) rows.dispose();
  return resultTensor(op, storage, p.outShape, 'i32', x.device, [x]);
}

/** Index of the maximum along one axis (i32; the first on ties). */
export function argmax(x: Tensor, axis: number, keepdim = false): Tensor {
  return argExtremum('argmax', x, axis, keepdim);
}

/** Index of the minimum along one axis (i32; the first on ties). */
export function argmin(x: Tensor, axis: number, keepdim = false): Tensor {
  return argExtremum('argmin', x, axis, keepdim);
}
