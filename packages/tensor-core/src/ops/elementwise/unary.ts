import type { UnaryOp } from '../../device/backend.js';
import type { Tensor } from '../../tensor.js';
import { runF32 } from '../op-result.js';

type UnaryGrad = (x: Tensor, y: Tensor, g: Tensor) => Tensor;

function unary(op: UnaryOp, x: Tensor, grad?: UnaryGrad): Tensor {
  const y: Tensor = runF32(op, [x], ([s], d) => d.backend.unary(op, s), x.shape, grad && ((g) => [grad(x, y, g)]));
  return y;
}

/** An activation's derivative at x in one kernel; it has no gradient of its own (backward runs without a tape). */
const derivative = (op: 'gelu_tanh_grad' | 'gelu_erf_grad' | 'silu_grad', x: Tensor): Tensor => unary(op, x);

/** -x */
export const neg = (x: Tensor): Tensor => unary('neg', x, (_x, _y, g) => neg(g));
/** |x| (gradient sign(x), 0 at 0 like PyTorch) */
export const abs = (x: Tensor): Tensor => unary('abs', x, (xx, _y, g) => g.mul(sign(xx)));
/** e^x */
export const exp = (x: Tensor): Tensor => unary('exp', x, (_x, y, g) => g.mul(y));
/** natural log */
export const log = (x: Tensor): Tensor => unary('log', x, (xx, _y, g) => g.div(xx));
/** square root */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, (_x, y, g) => g.mul(0.5).div(y));
/** 1 / sqrt(x) */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x, (_x, y, g) => g.mul(y.mul(y).mul(y)).mul(-0.5));
/** hyperbolic tangent */
export const tanh = (x: Tensor): Tensor => unary('tanh', x, (_x, y, g) => g.mul(y.mul(y).neg().add(1)));
/** logistic sigmoid */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x, (_x, y, g) => g.mul(y.mul(y.neg().add(1))));
/** x * sigmoid(x) */
export const silu = (x: Tensor): Tensor => unary('silu', x, (xx, _y, g) => g.mul(derivative('silu_grad', xx)));
/** max(x, 0) */
export const relu = (x: Tensor): Tensor => unary('relu', x, (xx, _y, g) => g.mul(step(xx)));
/** x^2 */
export const square = (x: Tensor): Tensor => unary('square', x, (xx, _y, g) => g.mul(xx).mul(2));
/** sine */
export const sin = (x: Tensor): Tensor => unary('sin', x, (xx, _y, g) => g.mul(cos(xx)));
/** cosine */
export const cos = (x: Tensor): Tensor => unary('cos', x, (xx, _y, g) => g.mul(sin(xx)).neg());
/** 1 / x */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x, (_x, y, g) => g.mul(y.mul(y)).neg());
/** the error function */
export const erf = (x: Tensor): Tensor => unary('erf', x, (xx, _y, g) => g.mul(exp(xx.mul(xx).neg())).mul(2 / Math.sqrt(Math.PI)));
/** -1, 0 or 1 (no gradient) */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/** 1 where x > 0 else 0 (no gradient) */
export const step = (x: Tensor): Tensor => unary('step', x);

/** GELU: exact (erf) by default, or the tanh approximation used by Qwen-Image's MLPs. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate === 'tanh') return unary('gelu_tanh', x, (xx, _y, g) => g.mul(derivative('gelu_tanh_grad', xx)));
  return unary('gelu_erf', x, (xx, _y, g) => g.mul(derivative('gelu_erf_grad', xx)));
}
