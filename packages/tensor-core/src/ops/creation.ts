import { defaultDevice, type Device } from '../device/device.js';
import { encodeFromF32, isFloat, type DType, type StorageArray } from '../dtype.js';
import { TensorError } from '../errors.js';
import { defaultGenerator, Generator } from '../random/generator.js';
import { assertValidShape, shapeSize, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Where and how to create a tensor. */
export interface CreateOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

/** Nested arrays of numbers (any depth). */
export type NestedArray = number | boolean | readonly NestedArray[];

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

function flatten(values: NestedArray, shape: readonly number[], depth: number, out: number[]): void {
  if (depth === shape.length) {
    if (Array.isArray(values)) throw new TensorError('tensor(): ragged nested array (deeper than its first element)');
    out.push(Number(values));
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[depth]) {
    throw new TensorError(`tensor(): ragged nested array at depth ${depth} (expected length ${shape[depth]})`);
  }
  for (const v of values) flatten(v, shape, depth + 1, out);
}

function fromValues(values: ArrayLike<number>, shape: Shape, opts: CreateOptions): Tensor {
  assertValidShape(shape, 'tensor()');
  const dtype = opts.dtype ?? (values instanceof Int32Array ? 'i32' : values instanceof Uint8Array ? 'u8' : 'f32');
  if (values.length !== shapeSize(shape)) {
    throw new TensorError(`tensor(): ${values.length} values do not fill shape [${shape}] (${shapeSize(shape)} elements)`);
  }
  const device = opts.device ?? defaultDevice();
  const t = new Tensor(device.backend.upload(encodeFromF32(values, dtype), dtype), shape, dtype, device);
  if (opts.requiresGrad) requireFloatGrad(t);
  return t;
}

function requireFloatGrad(t: Tensor): void {
  if (!isFloat(t.dtype)) throw new TensorError(`requiresGrad: only float tensors can require gradients, got ${t.dtype}`);
  t.requiresGrad = true;
}

/** A tensor from a typed array or (nested) number array; `shape` defaults to the nesting / 1-D. */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: Shape, opts: CreateOptions = {}): Tensor {
  if (typeof values === 'number' || typeof values === 'boolean') return fromValues([Number(values)], shape ?? [], opts);
  if (ArrayBuffer.isView(values)) return fromValues(values as ArrayLike<number>, shape ?? [(values as ArrayLike<number>).length], opts);
  const inferred = inferShape(values as NestedArray);
  const flat: number[] = [];
  flatten(values as NestedArray, inferred, 0, flat);
  return fromValues(flat, shape ?? inferred, opts);
}

/** A tensor from raw storage bits (f16/bf16 as Uint16Array), without re-encoding. */
export function tensorFromStorage(data: StorageArray, shape: Shape, dtype: DType, opts: Omit<CreateOptions, 'dtype'> = {}): Tensor {
  assertValidShape(shape, 'tensorFromStorage()');
  const device = opts.device ?? defaultDevice();
  const t = new Tensor(device.backend.upload(data, dtype), shape, dtype, device);
  if (opts.requiresGrad) requireFloatGrad(t);
  return t;
}

/** A tensor filled with `value`. */
export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  assertValidShape(shape, 'full()');
  const dtype = opts.dtype ?? 'f32';
  const device = opts.device ?? defaultDevice();
  const t = new Tensor(device.backend.fill(shapeSize(shape), dtype, value), shape, dtype, device);
  if (opts.requiresGrad) requireFloatGrad(t);
  return t;
}

/** A tensor of zeros. */
export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/** A tensor of ones. */
export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Zeros with another tensor's shape, dtype and device. */
export function zerosLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, device: t.device, ...opts });
}

/** Ones with another tensor's shape, dtype and device. */
export function onesLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, device: t.device, ...opts });
}

/** Values start, start+step, ... below end (like torch.arange); `arange(n)` counts 0..n-1. */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0) throw new TensorError('arange(): step must be non-zero');
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = lo + i * step;
  const integral = Number.isInteger(lo) && Number.isInteger(step);
  return fromValues(values, [n], { ...opts, dtype: opts.dtype ?? (integral ? 'i32' : 'f32') });
}

/** Options for random tensors: a seed (fresh stream) or a generator (continues its stream). */
export interface RandomOptions extends CreateOptions {
  seed?: number;
  generator?: Generator;
}

function pickGenerator(opts: RandomOptions): Generator {
  if (opts.generator) return opts.generator;
  if (opts.seed !== undefined) return new Generator(opts.seed);
  return defaultGenerator();
}

/** Uniform values in [low, high) from the counter-based generator (same numbers on every backend). */
export function rand(shape: Shape, opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const u = pickGenerator(opts).uniform(shapeSize(shape));
  const low = opts.low ?? 0;
  const high = opts.high ?? 1;
  if (low !== 0 || high !== 1) for (let i = 0; i < u.length; i++) u[i] = low + (high - low) * u[i];
  return fromValues(u, shape, { ...opts, dtype: opts.dtype ?? 'f32' });
}

/** Standard normal values (times `std`, plus `mean`) from the counter-based generator. */
export function randn(shape: Shape, opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const z = pickGenerator(opts).normal(shapeSize(shape));
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  if (mean !== 0 || std !== 1) for (let i = 0; i < z.length; i++) z[i] = mean + std * z[i];
  return fromValues(z, shape, { ...opts, dtype: opts.dtype ?? 'f32' });
}
