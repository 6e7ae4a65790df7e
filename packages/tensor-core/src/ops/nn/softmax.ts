import { noGrad } from '../../autograd/grad-mode.js';
import { normalizeAxis } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { exp, log } from '../elementwise/unary.js';
import { runF32 } from '../op-result.js';
import { max, sum } from '../reduce/reduce.js';

function rowMax(x: Tensor, axis: number): Tensor {
  // Softmax is shift-invariant, so the stabilising max needs no gradient.
  return noGrad(() => max(x, axis, true));
}

/** The fused kernel path: last axis, on a backend that has softmaxRows. */
function fused(x: Tensor, axis: number, isLog: boolean): Tensor | null {
  const backend = x.device.backend;
  if (!backend.softmaxRows || normalizeAxis(axis, x.ndim, 'softmax') !== x.ndim - 1 || x.size === 0) return null;
  const cols = x.shape[x.ndim - 1];
  const y: Tensor = runF32(isLog ? 'logSoftmax' : 'softmax', [x], ([s], d) => d.backend.softmaxRows!(s, x.size / cols, cols, isLog), x.shape, (g) =>
    isLog ? [g.sub(exp(y).mul(sum(g, -1, true)))] : [y.mul(g.sub(sum(g.mul(y), -1, true)))],
  );
  return y;
}

/** softmax along `axis` (numerically stable; fused along the last axis where the backend can). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const f = fused(x, axis, false);
  if (f) return f;
  const e = exp(x.sub(rowMax(x, axis)));
  return e.div(sum(e, axis, true));
}

/** log(softmax(x)) along `axis`, computed without forming softmax. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const f = fused(x, axis, true);
  if (f) return f;
  const shifted = x.sub(rowMax(x, axis));
  return shifted.sub(log(sum(exp(shifted), axis, true)));
}
