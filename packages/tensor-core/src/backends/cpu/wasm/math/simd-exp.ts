import type { FunctionBuilder, Local } from '../emitter/function-builder.js';
import { ValType } from '../emitter/opcodes.js';

/** Above this exp overflows f32: the result is +inf. */
const EXP_HI = 88.72284;
/** Below this the result is under the smallest normal f32 and is returned as 0. */
const EXP_LO = -87.33654;
const LOG2E = 1.4426950408889634;
/** ln 2 split so n*LN2_HI is exact in f32 for |n| <= 128 (Cody-Waite reduction). */
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;

/** Emits multiply-add `acc = x*y + acc` (relaxed when allowed) on v128 locals. */
export type MaddEmitter = (x: Local, y: Local, acc: Local) => void;

/** `acc = x * y + acc` for v128 locals, fused with relaxed SIMD when `relaxed`. */
export function simdMadd(f: FunctionBuilder, relaxed: boolean): MaddEmitter {
  return (x, y, acc) => {
    if (relaxed) f.get(x).get(y).get(acc).f32x4RelaxedMadd().set(acc);
    else f.get(x).get(y).f32x4Mul().get(acc).f32x4Add().set(acc);
  };
}

/**
 * Returns an emitter of `out = exp(x)` on four f32 lanes (v128 locals), declared once per function.
 * exp(x) = 2^n e^r with n = round(x log2 e), r = x - n ln 2 (|r| <= ln2/2), e^r by its degree-7
 * Taylor polynomial (truncation < 6e-9 relative), 2^n built in the exponent bits as two factors
 * (n reaches 128 near overflow). Relative error about 2 ulp; results under the smallest normal
 * f32 (x < -87.34) flush to 0, x > 88.72 gives +inf, exp(NaN) = NaN.
 */
export function simdExp(f: FunctionBuilder, relaxed: boolean): (x: Local, out: Local) => void {
  const { v128 } = ValType;
  const xc = f.local(v128);
  const n = f.local(v128);
  const r = f.local(v128);
  const p = f.local(v128);
  const c = f.local(v128);
  const half = f.local(v128);
  const madd = simdMadd(f, relaxed);
  const coeffs = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1];
  return (x, out) => {
    f.get(x).v128f32(EXP_LO).f32x4Max().v128f32(EXP_HI).f32x4Min().set(xc);
    f.get(xc).v128f32(LOG2E).f32x4Mul().f32x4Nearest().set(n);
    f.get(n).v128f32(-LN2_HI).f32x4Mul().get(xc).f32x4Add().set(r);
    f.get(n).v128f32(-LN2_LO).f32x4Mul().get(r).f32x4Add().set(r);
    // Horner: p = ((c7 r + c6) r + ...) r + c0
    f.v128f32(coeffs[0]).set(p);
    for (let i = 1; i < coeffs.length; i++) {
      f.v128f32(coeffs[i]).set(c);
      madd(p, r, c);
      f.get(c).set(p);
    }
    // 2^n = 2^h 2^(n-h), h = n >> 1, each (e + 127) << 23 as float bits.
    f.get(n).i32x4TruncSatF32x4S().set(n);
    f.get(n).i32(1).i32x4ShrS().set(half);
    f.get(p).get(half).v128i32(127).i32x4Add().i32(23).i32x4Shl().f32x4Mul();
    f.get(n).get(half).i32x4Sub().v128i32(127).i32x4Add().i32(23).i32x4Shl().f32x4Mul().set(p);
    // Overflow -> +inf; underflow (and -inf) -> 0 (x < EXP_LO is false for NaN, which stays NaN).
    f.v128f32(Infinity).get(p).get(x).v128f32(EXP_HI).f32x4Gt().v128Bitselect();
    f.get(x).v128f32(EXP_LO).f32x4Lt().v128AndNot().set(out);
  };
}
