import type { GradNode } from './autograd/grad-node.js';
import type { Storage } from './device/backend.js';
import type { Device } from './device/device.js';
import { releaseStorage, retainStorage } from './device/storage-refs.js';
import { decodeToF32, type DType } from './dtype.js';
import { TensorError } from './errors.js';
import { setTensorCheck, trackTensor } from './scope.js';
import type { Shape } from './shape.js';
import { shapeSize } from './shape.js';

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

  /** Marks this tensor as a trainable leaf (returns it). */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  toString(): string {
    return `Tensor(#${this.id}, [${this.shape}], ${this.dtype}, ${this.device.kind})`;
  }
}

/**
 * The method forms of the ops (`x.add(y)` for `add(x, y)`), installed on the prototype by
 * ops/tensor-methods.ts so that this module imports no op and every op may import it.
 */
export interface TensorOpMethods {
  /** Back-propagates from this tensor (a scalar unless `grad` is given) into every leaf with requiresGrad. */
  backward(grad?: Tensor): void;
  /** A copy cut off from the autograd graph. */
  detach(): Tensor;
  add(o: Tensor | number): Tensor;
  sub(o: Tensor | number): Tensor;
  mul(o: Tensor | number): Tensor;
  div(o: Tensor | number): Tensor;
  pow(o: Tensor | number): Tensor;
  maximum(o: Tensor | number): Tensor;
  minimum(o: Tensor | number): Tensor;
  eq(o: Tensor | number): Tensor;
  ne(o: Tensor | number): Tensor;
  lt(o: Tensor | number): Tensor;
  le(o: Tensor | number): Tensor;
  gt(o: Tensor | number): Tensor;
  ge(o: Tensor | number): Tensor;
  neg(): Tensor;
  abs(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  sqrt(): Tensor;
  rsqrt(): Tensor;
  tanh(): Tensor;
  sigmoid(): Tensor;
  silu(): Tensor;
  relu(): Tensor;
  gelu(approximate?: 'none' | 'tanh'): Tensor;
  square(): Tensor;
  clamp(min?: number, max?: number): Tensor;
  sum(axes?: number | readonly number[], keepdim?: boolean): Tensor;
  mean(axes?: number | readonly number[], keepdim?: boolean): Tensor;
  max(axes?: number | readonly number[], keepdim?: boolean): Tensor;
  min(axes?: number | readonly number[], keepdim?: boolean): Tensor;
  var(axes?: number | readonly number[], opts?: { correction?: number; keepdim?: boolean }): Tensor;
  argmax(axis: number, keepdim?: boolean): Tensor;
  matmul(o: Tensor, opts?: { transA?: boolean; transB?: boolean }): Tensor;
  softmax(axis?: number): Tensor;
  logSoftmax(axis?: number): Tensor;
  reshape(shape: readonly number[]): Tensor;
  flatten(startAxis?: number, endAxis?: number): Tensor;
  permute(axes: readonly number[]): Tensor;
  transpose(a?: number, b?: number): Tensor;
  slice(starts: readonly number[], ends: readonly number[]): Tensor;
  expand(shape: readonly number[]): Tensor;
  squeeze(axes?: number | readonly number[]): Tensor;
  unsqueeze(axis: number): Tensor;
  cast(dtype: DType): Tensor;
}

// Declaration merging: the class gets the method signatures; tensor-methods.ts gives them bodies.
export interface Tensor extends TensorOpMethods {}

setTensorCheck((v: unknown): v is Tensor => v instanceof Tensor);
