import type { UnaryOp } from '../../../device/backend.js';
import type { KernelSource } from '../pipeline-cache.js';
import { WGSL_MATH } from './wgsl-math.js';
import { WGSL_MAIN_1D, WGSL_PRELUDE } from './wgsl-prelude.js';

/** The WGSL expression of each unary op over `x` (needs WGSL_MATH in scope). */
export const UNARY_EXPR: Record<UnaryOp, string> = {
  neg: '-x',
  abs: 'abs(x)',
  exp: 'exp(x)',
  log: 'log_acc(x)',
  sqrt: 'select(sqrt(x), nan_f32(), x < 0.0)',
  rsqrt: 'select(1.0 / sqrt(x), select(nan_f32(), inf_f32(), x == 0.0), x <= 0.0)',
  tanh: 'tanh_safe(x)',
  sigmoid: 'sigmoid_safe(x)',
  silu: 'x * sigmoid_safe(x)',
  relu: 'select(0.0, x, x > 0.0)',
  gelu_tanh: 'gelu_tanh(x)',
  gelu_erf: 'gelu_erf(x)',
  square: 'x * x',
  sin: 'sin(x)',
  cos: 'cos(x)',
  reciprocal: '1.0 / x',
  sign: 'select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0)',
  step: 'select(0.0, 1.0, x > 0.0)',
  erf: 'erf_as(x)',
  gelu_tanh_grad: 'gelu_tanh_grad(x)',
  gelu_erf_grad: 'gelu_erf_grad(x)',
  silu_grad: 'silu_grad(x)',
};

/** out[i] = op(x[i]) over contiguous f32 words. Params: [n]. */
export function unaryKernel(op: UnaryOp): KernelSource {
  return {
    key: `unary:${op}`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_MATH}
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
${WGSL_MAIN_1D} {
  let i = flat_index(gid, nwg);
  if (i >= pu(0u)) { return; }
  let x = src[i];
  dst[i] = ${UNARY_EXPR[op]};
}
`,
  };
}
