import type { UnaryOp } from '../../device/backend.js';
import type { Tensor } from '../../tensor.js';
import { runF32 } from '../op-result.js';

type UnaryGrad = (x: Tensor, y: Tensor, g: Tensor) => Tensor;

function unary(op: UnaryOp, x: Tensor, grad?: UnaryGrad): Tensor {
  const y: Tensor = runF32(op, [x], ([s], d) => d.backend.unary(op, s), x.shape, grad && ((g) => [grad(x, y, g)]));
  return y;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

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
export const silu = (x: Tensor): Tensor =>
  unary('silu', x, (xx, _y, g) => {
    const s = sigmoid(xx);
    return g.mul(s.mul(xx.mul(s.neg().add(1)).add(1)));
  });
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
  if (approximate === 'tanh') {
    return unary('gelu_tanh', x, (xx, _y, g) => {
      const x2 = xx.mul(xx);
      const t = tanh(xx.mul(x2.mul(0.044715).add(1)).mul(SQRT_2_OVER_PI));
      const dt = t.mul(t).neg().add(1).mul(x2.mul(3 * 0.044715).add(1)).mul(SQRT_2_OVER_PI);
      return g.mul(t.add(1).mul(0.5).add(xx.mul(dt).mul(0.5)));
    });
  }
  return unary('gelu_erf', x, (xx, _y, g) => {
    const cdf = erf(xx.mul(Math.SQRT1_2)).add(1).mul(0.5);
    const pdf = exp(xx.mul(xx).mul(-0.5)).mul(INV_SQRT_2PI);
    return g.mul(cdf.add(xx.mul(pdf)));
  });
}
