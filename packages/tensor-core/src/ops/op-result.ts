import { isGradEnabled } from '../autograd/grad-mode.js';
import type { Storage } from '../device/backend.js';
import type { Device } from '../device/device.js';
import type { DType } from '../dtype.js';
import { TensorError } from '../errors.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Maps an output gradient to one gradient per input (null where none is needed). */
export type BackwardFn = (grad: Tensor) => readonly (Tensor | null)[];

/** Wraps a kernel result as a tensor and records the autograd node when any input needs grad. */
export function resultTensor(op: string, storage: Storage, shape: Shape, dtype: DType, device: Device, inputs: readonly Tensor[], backward?: BackwardFn): Tensor {
  const out = new Tensor(storage, shape, dtype, device);
  if (backward && isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradNode = { op, inputs, backward };
  }
  return out;
}

/** The device shared by all inputs (mixing devices is an error that names the op). */
export function commonDevice(op: string, inputs: readonly Tensor[]): Device {
  const device = inputs[0].device;
  for (const t of inputs) {
    if (t.device !== device) throw new TensorError(`${op}: inputs live on different devices (${device.kind} and ${t.device.kind})`);
  }
  return device;
}

/** The dtype a float op returns: a shared half dtype is kept, anything else computes and returns f32. */
export function floatResultDtype(inputs: readonly Tensor[]): DType {
  const first = inputs[0].dtype;
  if ((first === 'f16' || first === 'bf16') && inputs.every((t) => t.dtype === first)) return first;
  return 'f32';
}

/** How runF32 hands inputs to its kernel. */
export interface RunF32Options {
  /** Pass f16 inputs uncast (matmuls on backends with `halfMatmulOperands`). */
  readonly keepF16?: boolean;
}

/**
 * Runs an f32 kernel over the inputs (casting f16/bf16/int inputs to f32 temporaries), casts the
 * result to `outDtype` when it is a half type, and wraps it with its backward rule.
 */
export function runF32(
  op: string,
  inputs: readonly Tensor[],
  kernel: (storages: Storage[], device: Device) => Storage,
  shape: Shape,
  backward?: BackwardFn,
  outDtype: DType = floatResultDtype(inputs),
  opts: RunF32Options = {},
): Tensor {
  const device = commonDevice(op, inputs);
  const backend = device.backend;
  const temps: Storage[] = [];
  const storages = inputs.map((t) => {
    if (t.dtype === 'f32' || (opts.keepF16 && t.dtype === 'f16')) return t.storage;
    const s = backend.cast(t.storage, 'f32');
    temps.push(s);
    return s;
  });
  let result = kernel(storages, device);
  for (const s of temps) backend.free(s);
  if (result.dtype === 'f32' && outDtype !== 'f32') {
    const cast = backend.cast(result, outDtype);
    backend.free(result);
    result = cast;
  }
  return resultTensor(op, result, shape, result.dtype, device, inputs, backward);
}
