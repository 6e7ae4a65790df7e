import type { Device } from '../device/device.js';
import type { DType } from '../dtype.js';
import { rand, zeros } from '../ops/creation.js';
import type { Generator } from '../random/generator.js';
import type { Tensor } from '../tensor.js';

/** Where parameters are created and which random stream initialises them. */
export interface InitOptions {
  device?: Device;
  dtype?: DType;
  generator?: Generator;
}

/** U(-bound, bound). */
export function uniformInit(shape: number[], bound: number, opts: InitOptions = {}): Tensor {
  return rand(shape, { low: -bound, high: bound, generator: opts.generator, device: opts.device, dtype: opts.dtype });
}

/** kaiming_uniform_(a=sqrt(5)) on a weight with `fanIn` inputs: U(-1/sqrt(fanIn), 1/sqrt(fanIn)) (PyTorch's Linear/Conv default, and LoRA down's init). */
export function kaimingUniformInit(shape: number[], fanIn: number, opts: InitOptions = {}): Tensor {
  return uniformInit(shape, 1 / Math.sqrt(Math.max(fanIn, 1)), opts);
}

/** Zeros with the init options' device and dtype. */
export function zerosInit(shape: number[], opts: InitOptions = {}): Tensor {
  return zeros(shape, { device: opts.device, dtype: opts.dtype });
}
