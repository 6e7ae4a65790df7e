import type { GradNode } from './autograd/grad-node.js';
import type { Storage } from './device/backend.js';
import type { Device } from './device/device.js';
import { releaseStorage, retainStorage } from './device/storage-refs.js';
import { decodeToF32, type DType } from './dtype.js';
import { TensorError } from './errors.js';
import { setTensorCheck, trackTensor } from './scope.js';
import type { Shape } from './shape.js';
import { shapeSize } from './shape.js';
import * as ops from './ops/tensor-ops.js';

let nextId = 1;
let live = 0;

/** Tensors created and not yet disposed (a leak shows up as growth across training steps). */
export function liveTensorCount(): number {
  return live;
}

/**
 * An n-dimensional array on a device. Tensors are immutable values (ops return new tensors);
 * optimizers update parameters in place with `assign`. Free device memory with `dispose` or `tidy`.
 */
export class Tensor {
  /** A process-unique id (for debugging and graph bookkeeping). */
  readonly id = nextId++;
  readonly shape: Shape;
  readonly size: number;
  /** Whether gradients flow into this tensor (set on leaves you train; ops propagate it). */
  requiresGrad = false;
  /** The accumulated gradient of a leaf after `backward`. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when recorded for autograd. */
  gradNode: GradNode | null = null;
  private storageRef: Storage | null;

  constructor(
    storage: Storage,
    shape: Shape,
    readonly dtype: DType,
    readonly device: Device,
  ) {
    this.storageRef = storage;
    retainStorage(storage);
    live++;
    this.shape = Object.freeze([...shape]);
    this.size = shapeSize(shape);
    if (storage.size !== this.size) {
      throw new TensorError(`tensor of shape [${shape}] needs ${this.size} elements, storage holds ${storage.size}`);
    }
    trackTensor(this);
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** True once `dispose` ran; any further use throws. */
  get isDisposed(): boolean {
    return this.storageRef === null;
  }

  /** The backend storage (throws if disposed). */
  get storage(): Storage {
    if (this.storageRef === null) throw new TensorError(`tensor #${this.id} [${this.shape}] ${this.dtype} was used after dispose()`);
    return this.storageRef;
  }

  /** Frees the device memory now (idempotent). Gradients are freed with it. */
  dispose(): void {
    if (this.storageRef === null) return;
    releaseStorage(this.storageRef, this.device.backend);
    live--;
    this.storageRef = null;
    this.gradNode = null;
  }

  /** Replaces this tensor's contents by `value`'s (same shape), taking over its storage; used for in-place updates. */
  assign(value: Tensor): this {
    if (value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new TensorError(`assign: shape [${value.shape}] does not match [${this.shape}]`);
    }
    const converted = value.dtype === this.dtype ? value : value.cast(this.dtype);
    const old = this.storage;
    this.storageRef = converted.storage;
    retainStorage(this.storageRef);
    releaseStorage(old, this.device.backend);
    if (converted !== value) converted.dispose();
    return this;
  }

  /** Values in host memory: Float32Array for float dtypes, Int32Array for i32, Uint8Array for u8. */
  async data(): Promise<Float32Array | Int32Array | Uint8Array> {
    const raw = await this.device.backend.read(this.storage);
    if (this.dtype === 'f16' || this.dtype === 'bf16') return decodeToF32(raw, this.dtype);
    return raw as Float32Array | Int32Array | Uint8Array;
  }

  /** Values as nested arrays following the shape. */
  async toArray(): Promise<unknown> {
    const flat = Array.from(await this.data());
    const build = (axis: number, offset: number): unknown => {
      if (axis === this.shape.length) return flat[offset];
      const stride = shapeSize(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new TensorError(`item(): tensor has shape [${this.shape}] (${this.size} elements), expected 1`);
    return (await this.data())[0];
  }

  /** Back-propagates from this tensor (a scalar unless `grad` is given) into every leaf with requiresGrad. */
  backward(grad?: Tensor): void {
    ops.backward(this, grad);
  }

  /** A copy cut off from the autograd graph. */
  detach(): Tensor {
    return ops.detach(this);
  }

  /** Marks this tensor as a trainable leaf (returns it). */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  toString(): string {
    return `Tensor(#${this.id}, [${this.shape}], ${this.dtype}, ${this.device.kind})`;
  }

  add(o: Tensor | number): Tensor { return ops.add(this, o); }
  sub(o: Tensor | number): Tensor { return ops.sub(this, o); }
  mul(o: Tensor | number): Tensor { return ops.mul(this, o); }
  div(o: Tensor | number): Tensor { return ops.div(this, o); }
  pow(o: Tensor | number): Tensor { return ops.pow(this, o); }
  maximum(o: Tensor | number): Tensor { return ops.maximum(this, o); }
  minimum(o: Tensor | number): Tensor { return ops.minimum(this, o); }
  eq(o: Tensor | number): Tensor { return ops.eq(this, o); }
  ne(o: Tensor | number): Tensor { return ops.ne(this, o); }
  lt(o: Tensor | number): Tensor { return ops.lt(this, o); }
  le(o: Tensor | number): Tensor { return ops.le(this, o); }
  gt(o: Tensor | number): Tensor { return ops.gt(this, o); }
  ge(o: Tensor | number): Tensor { return ops.ge(this, o); }
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  silu(): Tensor { return ops.silu(this); }
  relu(): Tensor { return ops.relu(this); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return ops.gelu(this, approximate); }
  square(): Tensor { return ops.square(this); }
  clamp(min?: number, max?: number): Tensor { return ops.clamp(this, min, max); }
  sum(axes?: number | readonly number[], keepdim = false): Tensor { return ops.sum(this, axes, keepdim); }
  mean(axes?: number | readonly number[], keepdim = false): Tensor { return ops.mean(this, axes, keepdim); }
  max(axes?: number | readonly number[], keepdim = false): Tensor { return ops.max(this, axes, keepdim); }
  min(axes?: number | readonly number[], keepdim = false): Tensor { return ops.min(this, axes, keepdim); }
  var(axes?: number | readonly number[], opts?: { correction?: number; keepdim?: boolean }): Tensor { return ops.variance(this, axes, opts); }
  argmax(axis: number, keepdim = false): Tensor { return ops.argmax(this, axis, keepdim); }
  matmul(o: Tensor, opts?: { transA?: boolean; transB?: boolean }): Tensor { return ops.matmul(this, o, opts); }
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(startAxis = 0, endAxis = -1): Tensor { return ops.flatten(this, startAxis, endAxis); }
  permute(axes: readonly number[]): Tensor { return ops.permute(this, axes); }
  transpose(a = -2, b = -1): Tensor { return ops.transpose(this, a, b); }
  slice(starts: readonly number[], ends: readonly number[]): Tensor { return ops.slice(this, starts, ends); }
  expand(shape: readonly number[]): Tensor { return ops.expand(this, shape); }
  squeeze(axes?: number | readonly number[]): Tensor { return ops.squeeze(this, axes); }
  unsqueeze(axis: number): Tensor { return ops.unsqueeze(this, axis); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
}

setTensorCheck((v: unknown): v is Tensor => v instanceof Tensor);
