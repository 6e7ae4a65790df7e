import type { BinaryOp } from '../../../device/backend.js';
import type { KernelSource } from '../pipeline-cache.js';
import { stridedOffsetsWgsl } from './strided-index.wgsl.js';
import { WGSL_MATH } from './wgsl-math.js';
import { WGSL_MAIN_1D, WGSL_PRELUDE } from './wgsl-prelude.js';

/** The WGSL expression of each binary op over `a` and `b` (comparisons give u32 0/1). */
const BINARY_EXPR: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'pow_js(a, b)',
  maximum: 'select(b, a, a > b || is_nan(a))',
  minimum: 'select(b, a, a < b || is_nan(a))',
  eq: 'u32(a == b)',
  ne: 'u32(!(a == b))',
  lt: 'u32(a < b)',
  le: 'u32(a <= b)',
  gt: 'u32(a > b)',
  ge: 'u32(a >= b)',
};

const COMPARISONS = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/** out[i] = op(a[oa], b[ob]) with a and b read through strides (broadcast = stride 0). */
export function binaryKernel(op: BinaryOp, rank: number): KernelSource {
  const outType = COMPARISONS.has(op) ? 'u32' : 'f32';
  return {
    key: `binary:${op}:r${rank}`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_MATH}
@group(0) @binding(1) var<storage, read> lhs: array<f32>;
@group(0) @binding(2) var<storage, read> rhs: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<${outType}>;
${WGSL_MAIN_1D} {
  let i = flat_index(gid, nwg);
  if (i >= pu(0u)) { return; }
${stridedOffsetsWgsl(rank, 2)}
  let a = lhs[o0];
  let b = rhs[o1];
  dst[i] = ${BINARY_EXPR[op]};
}
`,
  };
}
