import { TensorError } from '../../errors.js';
import { shapeSize } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { add } from '../elementwise/binary.js';
import { reshape } from '../layout/reshape.js';
import { runF32 } from '../op-result.js';
import { sumToShape } from '../reduce/sum-to-shape.js';
import { matmul } from './matmul.js';

/**
 * y = x W^T + b, with W as [out, in] (PyTorch's Linear layout). A bias of shape [out] rides in the
 * matmul's epilogue where the backend has one (Backend.matmulFused), saving a pass and an output.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2 || x.ndim === 0 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new TensorError(`linear: input [${x.shape}] does not fit weight [${weight.shape}] (expected last dim ${weight.shape[1]})`);
  }
  const [nOut, nIn] = weight.shape;
  const lead = x.shape.slice(0, -1);
  const rows = shapeSize(lead);
  const x2 = reshape(x, [rows, nIn]);
  const backend = x.device.backend;
  if (!bias || !backend.matmulFused || bias.ndim !== 1 || bias.shape[0] !== nOut) {
    const y = matmul(x2, weight, { transB: true });
    return reshape(bias ? add(y, bias) : y, [...lead, nOut]);
  }
  const params = { batch: 1, m: rows, n: nOut, k: nIn, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 };
  const y = runF32(
    'linear',
    [x2, weight, bias],
    ([sx, sw, sb], d) => d.backend.matmulFused!(sx, sw, params, { bias: sb }),
    [rows, nOut],
    (g) => [
      x2.requiresGrad ? matmul(g, weight) : null,
      weight.requiresGrad ? matmul(g, x2, { transA: true }) : null,
      bias.requiresGrad ? sumToShape(g, bias.shape) : null,
    ],
    undefined,
    { keepF16: x.device.backend.halfMatmulOperands === true },
  );
  return reshape(y, [...lead, nOut]);
}
