/**
 * Installs the method forms of the ops on Tensor.prototype (as tfjs' chained ops do), so that
 * tensor.ts imports no op and the ops import tensor.ts and never the reverse. The package index
 * calls installTensorMethods once; the signatures are declared beside the class in tensor.ts.
 */
import type { DType } from '../dtype.js';
import { Tensor, type TensorOpMethods } from '../tensor.js';
import * as ops from './tensor-ops.js';

/** The method bodies (every method of TensorOpMethods); `this` is the tensor the method is called on. */
const METHODS: TensorOpMethods & ThisType<Tensor> = {
  backward(grad?: Tensor): void { ops.backward(this, grad); },
  detach(): Tensor { return ops.detach(this); },
  add(o: Tensor | number): Tensor { return ops.add(this, o); },
  sub(o: Tensor | number): Tensor { return ops.sub(this, o); },
  mul(o: Tensor | number): Tensor { return ops.mul(this, o); },
  div(o: Tensor | number): Tensor { return ops.div(this, o); },
  pow(o: Tensor | number): Tensor { return ops.pow(this, o); },
  maximum(o: Tensor | number): Tensor { return ops.maximum(this, o); },
  minimum(o: Tensor | number): Tensor { return ops.minimum(this, o); },
  eq(o: Tensor | number): Tensor { return ops.eq(this, o); },
  ne(o: Tensor | number): Tensor { return ops.ne(this, o); },
  lt(o: Tensor | number): Tensor { return ops.lt(this, o); },
  le(o: Tensor | number): Tensor { return ops.le(this, o); },
  gt(o: Tensor | number): Tensor { return ops.gt(this, o); },
  ge(o: Tensor | number): Tensor { return ops.ge(this, o); },
  neg(): Tensor { return ops.neg(this); },
  abs(): Tensor { return ops.abs(this); },
  exp(): Tensor { return ops.exp(this); },
  log(): Tensor { return ops.log(this); },
  sqrt(): Tensor { return ops.sqrt(this); },
  rsqrt(): Tensor { return ops.rsqrt(this); },
  tanh(): Tensor { return ops.tanh(this); },
  sigmoid(): Tensor { return ops.sigmoid(this); },
  silu(): Tensor { return ops.silu(this); },
  relu(): Tensor { return ops.relu(this); },
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return ops.gelu(this, approximate); },
  square(): Tensor { return ops.square(this); },
  clamp(min?: number, max?: number): Tensor { return ops.clamp(this, min, max); },
  sum(axes?: number | readonly number[], keepdim = false): Tensor { return ops.sum(this, axes, keepdim); },
  mean(axes?: number | readonly number[], keepdim = false): Tensor { return ops.mean(this, axes, keepdim); },
  max(axes?: number | readonly number[], keepdim = false): Tensor { return ops.max(this, axes, keepdim); },
  min(axes?: number | readonly number[], keepdim = false): Tensor { return ops.min(this, axes, keepdim); },
  var(axes?: number | readonly number[], opts?: { correction?: number; keepdim?: boolean }): Tensor { return ops.variance(this, axes, opts); },
  argmax(axis: number, keepdim = false): Tensor { return ops.argmax(this, axis, keepdim); },
  matmul(o: Tensor, opts?: { transA?: boolean; transB?: boolean }): Tensor { return ops.matmul(this, o, opts); },
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); },
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); },
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); },
  flatten(startAxis = 0, endAxis = -1): Tensor { return ops.flatten(this, startAxis, endAxis); },
  permute(axes: readonly number[]): Tensor { return ops.permute(this, axes); },
  transpose(a = -2, b = -1): Tensor { return ops.transpose(this, a, b); },
  slice(starts: readonly number[], ends: readonly number[]): Tensor { return ops.slice(this, starts, ends); },
  expand(shape: readonly number[]): Tensor { return ops.expand(this, shape); },
  squeeze(axes?: number | readonly number[]): Tensor { return ops.squeeze(this, axes); },
  unsqueeze(axis: number): Tensor { return ops.unsqueeze(this, axis); },
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); },
};

/** Puts the op methods on Tensor.prototype (idempotent). */
export function installTensorMethods(): void {
  Object.assign(Tensor.prototype, METHODS);
}
