import { noGrad } from '../../autograd/grad-mode.js';
import type { Tensor } from '../../tensor.js';
import { exp, log } from '../elementwise/unary.js';
import { max, sum } from '../reduce/reduce.js';

function rowMax(x: Tensor, axis: number): Tensor {
  // Softmax is shift-invariant, so the stabilising max needs no gradient.
  return noGrad(() => max(x, axis, true));
}

/** softmax along `axis` (numerically stable). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const e = exp(x.sub(rowMax(x, axis)));
  return e.div(sum(e, axis, true));
}

/** log(softmax(x)) along `axis`, computed without forming softmax. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const shifted = x.sub(rowMax(x, axis));
  return shifted.sub(log(sum(exp(shifted), axis, true)));
}
