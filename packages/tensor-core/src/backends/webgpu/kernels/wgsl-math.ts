/**
 * Scalar math shared by the WGSL kernels, matching the CPU backend: erf by Abramowitz & Stegun
 * 7.1.26 (scalar-math.ts), GELU in the cancellation-free forms of the WebAssembly kernels (erfc for
 * the erf form, x / (1 + exp(-2u)) for the tanh form), a stable sigmoid, and a tanh that neither
 * overflows for large |x| nor cancels for small |x|. NaN tests use bit
 * patterns because shader compilers may fold `x != x` away, and NaN / infinity come from private
 * variables because WGSL rejects them in constant expressions.
 */
export const WGSL_MATH = /* wgsl */ `
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn nan_f32() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inf_f32() -> f32 { return bitcast<f32>(INF_BITS); }
fn log_acc(x: f32) -> f32 {
  // Software log: GPU log() is only specified to an absolute 2^-21 near 1, too coarse for
  // relative comparisons there. x = m * 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s).
  let bits = bitcast<u32>(x);
  if (is_nan(x) || x < 0.0) { return nan_f32(); }
  if (x == 0.0) { return -inf_f32(); }
  if (bits == 0x7f800000u) { return x; }
  var b = bits;
  var e = 0;
  if ((b & 0x7f800000u) == 0u) {
    b = bitcast<u32>(x * 8388608.0);
    e = -23;
  }
  e = e + i32((b >> 23u) & 0xffu) - 127;
  var m = bitcast<f32>((b & 0x7fffffu) | 0x3f800000u);
  if (m > 1.41421356) {
    m = m * 0.5;
    e = e + 1;
  }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let series = s2 * (0.6666666666667 + s2 * (0.4 + s2 * (0.2857142857143 + s2 * (0.2222222222222 + s2 * 0.1818181818182))));
  let fe = f32(e);
  return fe * 0.693145751953125 + (2.0 * s + (s * series + fe * 1.4286068202862268e-06));
}
fn erf_as(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(y, -y, x < 0.0);
}
fn tanh_safe(x: f32) -> f32 {
  let a = abs(x);
  if (is_nan(x)) { return x; }
  if (a < 0.125) {
    let x2 = x * x;
    return x * (1.0 + x2 * (-0.33333333333 + x2 * (0.13333333333 + x2 * (-0.053968253968 + x2 * 0.021869488536))));
  }
  let t = exp(-2.0 * a);
  let r = (1.0 - t) / (1.0 + t);
  return select(r, -r, x < 0.0);
}
fn sigmoid_safe(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
// 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u)): no cancellation in the negative tail.
fn gelu_tanh(x: f32) -> f32 { return x / (1.0 + exp(-1.5957691216057308 * (x + 0.044715 * x * x * x))); }
// erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + |z| / 2): Numerical Recipes' Chebyshev fit, fractional
// error < 1.2e-7 everywhere, so the tails keep their relative accuracy (1 + erf would cancel).
fn erfc_nr(z: f32) -> f32 {
  let a = abs(z);
  let t = 1.0 / (1.0 + 0.5 * a);
  let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let y = t * exp(p - a * a);
  return select(y, 2.0 - y, z < 0.0);
}
fn gelu_erf(x: f32) -> f32 { return 0.5 * x * erfc_nr(-x * 0.7071067811865476); }
// Derivatives for backward rules; 1 - s is e s with e capped at e^80 so neither tail overflows.
fn gelu_tanh_grad(x: f32) -> f32 {
  let e = exp(min(80.0, -1.5957691216057308 * (x + 0.044715 * x * x * x)));
  let s = 1.0 / (1.0 + e);
  return s + x * (e * s * s) * 1.5957691216057308 * (1.0 + 0.134145 * x * x);
}
fn gelu_erf_grad(x: f32) -> f32 { return 0.5 * erfc_nr(-x * 0.7071067811865476) + x * 0.3989422804014327 * exp(-0.5 * x * x); }
fn silu_grad(x: f32) -> f32 {
  let e = exp(min(80.0, -x));
  let s = 1.0 / (1.0 + e);
  return s * (1.0 + x * e * s);
}
fn pow_js(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return nan_f32(); }
  if (b == 1.0) { return a; }
  if (b == 2.0) { return a * a; }
  if (b == 0.5 && a >= 0.0) { return sqrt(a); }
  let m = abs(a);
  if (m == 0.0) {
    let mag = select(0.0, inf_f32(), b < 0.0);
    let neg = (bitcast<u32>(a) & 0x80000000u) != 0u && fract(b) == 0.0 && fract(b * 0.5) != 0.0;
    return select(mag, -mag, neg);
  }
  let r = exp(b * log_acc(m));
  if (a > 0.0) { return r; }
  if (fract(b) != 0.0) { return nan_f32(); }
  return select(r, -r, fract(b * 0.5) != 0.0);
}
`;
