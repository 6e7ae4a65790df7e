import type { BinaryOp, UnaryOp } from '../../device/backend.js';
import { erf, geluErf, geluErfGrad, geluTanh, geluTanhGrad, sigmoid, siluGrad } from './scalar-math.js';

type Unary = (x: number) => number;

/** The scalar function behind each unary op. */
export const UNARY_FNS: Record<UnaryOp, Unary> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  tanh: Math.tanh,
  sigmoid,
  silu: (x) => x * sigmoid(x),
  relu: (x) => (x > 0 ? x : 0),
  gelu_tanh: geluTanh,
  gelu_erf: geluErf,
  square: (x) => x * x,
  sin: Math.sin,
  cos: Math.cos,
  reciprocal: (x) => 1 / x,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  step: (x) => (x > 0 ? 1 : 0),
  erf,
  gelu_tanh_grad: geluTanhGrad,
  gelu_erf_grad: geluErfGrad,
  silu_grad: siluGrad,
};

type Binary = (a: number, b: number) => number;

/** The scalar function behind each binary op (comparisons return 0/1). */
export const BINARY_FNS: Record<BinaryOp, Binary> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a > b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a < b || Number.isNaN(a) ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

/** Comparison ops write u8 masks. */
export function isComparison(op: BinaryOp): boolean {
  return op === 'eq' || op === 'ne' || op === 'lt' || op === 'le' || op === 'gt' || op === 'ge';
}

/**
 * Merges adjacent axes that every operand walks contiguously (and drops extent-1 axes), so a
 * contiguous same-shape op becomes one flat loop and a bias add becomes rows x columns.
 */
export function collapseAxes(shape: readonly number[], operandStrides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const dims: number[] = [];
  const strides: number[][] = operandStrides.map(() => []);
  for (let ax = 0; ax < shape.length; ax++) {
    if (shape[ax] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && operandStrides.every((s, k) => strides[k][last] === s[ax] * shape[ax])) {
      dims[last] *= shape[ax];
      operandStrides.forEach((s, k) => (strides[k][last] = s[ax]));
    } else {
      dims.push(shape[ax]);
      operandStrides.forEach((s, k) => strides[k].push(s[ax]));
    }
  }
  return { shape: dims, strides };
}

/**
 * Visits every index of `shape` in row-major order and calls `inner(outStart, count, offsets,
 * innerStrides)` once per innermost run, with each strided operand's offset; axes are collapsed first.
 */
export function forEachStrided(
  fullShape: readonly number[],
  fullStrides: readonly (readonly number[])[],
  operandOffsets: readonly number[],
  inner: (outStart: number, count: number, offsets: readonly number[], innerStrides: readonly number[]) => void,
): void {
  const { shape, strides: operandStrides } = collapseAxes(fullShape, fullStrides);
  const nd = shape.length;
  const nOps = operandStrides.length;
  if (nd === 0) {
    inner(0, 1, operandOffsets, operandStrides.map(() => 0));
    return;
  }
  const last = shape[nd - 1];
  const innerStrides = operandStrides.map((s) => s[nd - 1]);
  let outer = 1;
  for (let i = 0; i < nd - 1; i++) outer *= shape[i];
  const idx = new Array<number>(nd - 1).fill(0);
  const offsets = operandOffsets.slice();
  for (let o = 0; o < outer; o++) {
    inner(o * last, last, offsets, innerStrides);
    for (let ax = nd - 2; ax >= 0; ax--) {
      idx[ax]++;
      for (let k = 0; k < nOps; k++) offsets[k] += operandStrides[k][ax];
      if (idx[ax] < shape[ax]) break;
      for (let k = 0; k < nOps; k++) offsets[k] -= operandStrides[k][ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}
