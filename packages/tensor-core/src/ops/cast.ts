import type { DType } from '../dtype.js';
import { isFloat } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { resultTensor } from './op-result.js';

/** Converts to another dtype (float->int truncates toward zero; halves round to nearest even). Gradients pass through float casts. */
export function cast(x: Tensor, dtype: DType): Tensor {
  const storage = x.device.backend.cast(x.storage, dtype);
  const differentiable = isFloat(x.dtype) && isFloat(dtype);
  return resultTensor('cast', storage, x.shape, dtype, x.device, [x], differentiable ? (g) => [cast(g, x.dtype)] : undefined);
}

/** x itself when it is f32, else an f32 copy (for kernels that read f32 storage). */
export function asF32(x: Tensor): Tensor {
  return x.dtype === 'f32' ? x : cast(x, 'f32');
}
