import type { FunctionBuilder, Local } from '../emitter/function-builder.js';
import { ValType } from '../emitter/opcodes.js';
import { simdExp, simdMadd } from './simd-exp.js';

/** Emits `out = op(x)` on four f32 lanes (v128 locals). */
export type VectorOp = (x: Local, out: Local) => void;

/** Elementwise ops with a SIMD kernel. */
export type UnaryKernelOp = 'exp' | 'tanh' | 'sigmoid' | 'silu' | 'gelu' | 'geluTanh' | 'geluTanhGrad' | 'siluGrad';

/** Every UnaryKernelOp, in the order their wasm functions are emitted. */
export const UNARY_KERNEL_OPS: readonly UnaryKernelOp[] = ['exp', 'tanh', 'sigmoid', 'silu', 'gelu', 'geluTanh', 'geluTanhGrad', 'siluGrad'];

/** exp arguments of the derivative kernels are capped here so e = exp(arg) stays finite and e s s does not become inf * 0. */
const GRAD_EXP_CAP = 80;

const SIGN = -0x80000000;
/** Below this |x| tanh uses its odd Taylor series (error < 1e-8 relative), above 1 - 2/(e^{2|x|}+1) (~2e-7). */
const TANH_SERIES_MAX = 0.25;
/** Chebyshev fit of erfc(z) = t exp(-z^2 + P(t)), t = 1/(1+z/2), fractional error < 1.2e-7 (Numerical Recipes' erfcc). */
const ERFC_COEFFS = [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223];

/** Declares the temporaries of `op` in `f` and returns its emitter (`out` may be `x`). */
export function simdActivation(f: FunctionBuilder, op: UnaryKernelOp, relaxed: boolean): VectorOp {
  const { v128 } = ValType;
  const exp = simdExp(f, relaxed);
  const madd = simdMadd(f, relaxed);
  const a = f.local(v128);
  const b = f.local(v128);
  const c = f.local(v128);
  const e = f.local(v128);
  // Horner temporary: `out` may be the same local as `x`, so it is written last.
  const g = f.local(v128);

  /** out = num / (1 + exp(arg)): sigmoid-like forms, no cancellation. */
  const overOnePlusExp = (num: () => void, arg: Local, out: Local) => {
    exp(arg, e);
    num();
    f.get(e).v128f32(1).f32x4Add().f32x4Div().set(out);
  };

  switch (op) {
    case 'exp':
      return exp;
    case 'sigmoid':
      return (x, out) => {
        f.get(x).f32x4Neg().set(a);
        overOnePlusExp(() => f.v128f32(1), a, out);
      };
    case 'silu':
      return (x, out) => {
        f.get(x).f32x4Neg().set(a);
        overOnePlusExp(() => f.get(x), a, out);
      };
    case 'geluTanh':
      // 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3)
      return (x, out) => {
        f.get(x).get(x).f32x4Mul().v128f32(0.044715).f32x4Mul().v128f32(1).f32x4Add().get(x).f32x4Mul();
        f.v128f32(-2 * Math.sqrt(2 / Math.PI)).f32x4Mul().set(a);
        overOnePlusExp(() => f.get(x), a, out);
      };
    case 'siluGrad':
      // s (1 + x e s), s = 1 / (1 + e), e = exp(-x)
      return (x, out) => {
        f.get(x).f32x4Neg().v128f32(GRAD_EXP_CAP).f32x4Min().set(a);
        exp(a, e);
        f.v128f32(1).get(e).v128f32(1).f32x4Add().f32x4Div().set(b);
        f.get(x).get(e).f32x4Mul().get(b).f32x4Mul().v128f32(1).f32x4Add().get(b).f32x4Mul().set(out);
      };
    case 'geluTanhGrad':
      // s + x (e s s) 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2), s = 1 / (1 + e), e = exp(-2u)
      return (x, out) => {
        f.get(x).get(x).f32x4Mul().set(c);
        f.get(c).v128f32(0.044715).f32x4Mul().v128f32(1).f32x4Add().get(x).f32x4Mul();
        f.v128f32(-2 * Math.sqrt(2 / Math.PI)).f32x4Mul().v128f32(GRAD_EXP_CAP).f32x4Min().set(a);
        exp(a, e);
        f.v128f32(1).get(e).v128f32(1).f32x4Add().f32x4Div().set(b);
        f.get(c).v128f32(3 * 0.044715).f32x4Mul().v128f32(1).f32x4Add().v128f32(2 * Math.sqrt(2 / Math.PI)).f32x4Mul();
        f.get(e).f32x4Mul().get(b).f32x4Mul().get(b).f32x4Mul().get(x).f32x4Mul().get(b).f32x4Add().set(out);
      };
    case 'tanh':
      return (x, out) => {
        // Large branch on |x|: 1 - 2 / (exp(2|x|) + 1), sign restored below.
        f.get(x).f32x4Abs().tee(b).get(b).f32x4Add().set(a);
        exp(a, e);
        f.v128f32(1).v128f32(2).get(e).v128f32(1).f32x4Add().f32x4Div().f32x4Sub().set(a);
        // Series: x + x^3 (-1/3 + x^2 (2/15 + x^2 (-17/315 + x^2 62/2835)))
        f.get(x).get(x).f32x4Mul().set(c);
        f.v128f32(62 / 2835).set(e);
        for (const k of [-17 / 315, 2 / 15, -1 / 3]) {
          f.v128f32(k).set(g);
          madd(e, c, g);
          f.get(g).set(e);
        }
        f.get(e).get(c).f32x4Mul().get(x).f32x4Mul().get(x).f32x4Add().set(e);
        // Pick the series where |x| < threshold, else the large branch with x's sign bit.
        f.get(x).get(a).v128i32(SIGN).v128Bitselect().set(a);
        f.get(e).get(a).get(b).v128f32(TANH_SERIES_MAX).f32x4Lt().v128Bitselect().set(out);
      };
    case 'gelu':
      // 0.5 x erfc(-x / sqrt 2); erfc(z) = y(|z|) for z >= 0 and 2 - y(|z|) for z < 0.
      return (x, out) => {
        f.get(x).f32x4Abs().v128f32(Math.SQRT1_2).f32x4Mul().set(b); // |z|
        f.v128f32(1).get(b).v128f32(0.5).f32x4Mul().v128f32(1).f32x4Add().f32x4Div().set(c); // t
        f.v128f32(ERFC_COEFFS[0]).set(a);
        for (const k of ERFC_COEFFS.slice(1)) {
          f.v128f32(k).set(g);
          madd(a, c, g);
          f.get(g).set(a);
        }
        f.get(a).get(b).get(b).f32x4Mul().f32x4Sub().set(a);
        exp(a, e);
        f.get(e).get(c).f32x4Mul().set(e); // y = erfc(|z|)
        // x >= 0 means z <= 0: 2 - y.
        f.v128f32(2).get(e).f32x4Sub().get(e).get(x).v128f32(0).f32x4Ge().v128Bitselect();
        f.get(x).f32x4Mul().v128f32(0.5).f32x4Mul().set(out);
      };
  }
}
