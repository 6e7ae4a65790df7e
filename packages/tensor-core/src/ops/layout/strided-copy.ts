import type { StridedView } from '../../device/backend.js';
import { contiguousStrides, shapeSize, type Shape } from '../../shape.js';
import { Tensor } from '../../tensor.js';
import { resultTensor, type BackwardFn } from '../op-result.js';

/** A new contiguous tensor of `shape` read from `x` through a strided view (the basis of every view op). */
export function stridedCopy(op: string, x: Tensor, shape: Shape, view: StridedView, backward?: BackwardFn): Tensor {
  const backend = x.device.backend;
  const out = backend.fill(shapeSize(shape), x.dtype, 0);
  if (shapeSize(shape) > 0) backend.copy(x.storage, view, out, { offset: 0, strides: contiguousStrides(shape) }, shape);
  return resultTensor(op, out, shape, x.dtype, x.device, [x], backward);
}

/** A tensor sharing `x`'s storage under a new shape of equal size. */
export function shareStorage(op: string, x: Tensor, shape: Shape, backward?: BackwardFn): Tensor {
  return resultTensor(op, x.storage, shape, x.dtype, x.device, [x], backward);
}
