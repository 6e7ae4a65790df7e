import type { BinaryOp, UnaryOp } from '../../device/backend.js';
import { BINARY_FNS, UNARY_FNS } from './cpu-elementwise.js';
import { geluTanh, geluTanhGrad } from './scalar-math.js';

/**
 * One run of a binary op with the op chosen outside the loop: V8 keeps each case a tight,
 * monomorphic loop instead of an indirect call per element. Contiguous and scalar operands get
 * their own loops (no stride multiply, the scalar in a register), which V8 compiles 2-3x faster.
 */
export function binaryRun(
  op: BinaryOp, out: Float32Array, start: number, count: number,
  a: Float32Array, ao: number, as: number, b: Float32Array, bo: number, bs: number,
): void {
  if (as === 1 && bs === 1 && (op === 'add' || op === 'sub' || op === 'mul' || op === 'div')) {
    contiguousRun(op, out, start, count, a, ao, b, bo);
    return;
  }
  if (as === 1 && bs === 0 && (op === 'add' || op === 'sub' || op === 'mul' || op === 'div')) {
    scalarRightRun(op, out, start, count, a, ao, b[bo]);
    return;
  }
  switch (op) {
    case 'add':
      for (let i = 0; i < count; i++) out[start + i] = a[ao + i * as] + b[bo + i * bs];
      return;
    case 'sub':
      for (let i = 0; i < count; i++) out[start + i] = a[ao + i * as] - b[bo + i * bs];
      return;
    case 'mul':
      for (let i = 0; i < count; i++) out[start + i] = a[ao + i * as] * b[bo + i * bs];
      return;
    case 'div':
      for (let i = 0; i < count; i++) out[start + i] = a[ao + i * as] / b[bo + i * bs];
      return;
    default: {
      const fn = BINARY_FNS[op];
      for (let i = 0; i < count; i++) out[start + i] = fn(a[ao + i * as], b[bo + i * bs]);
    }
  }
}

function contiguousRun(op: 'add' | 'sub' | 'mul' | 'div', out: Float32Array, start: number, count: number, a: Float32Array, ao: number, b: Float32Array, bo: number): void {
  const o = out.subarray(start, start + count);
  const x = a.subarray(ao, ao + count);
  const y = b.subarray(bo, bo + count);
  const n = o.length;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) o[i] = x[i] + y[i];
      return;
    case 'sub':
      for (let i = 0; i < n; i++) o[i] = x[i] - y[i];
      return;
    case 'mul':
      for (let i = 0; i < n; i++) o[i] = x[i] * y[i];
      return;
    case 'div':
      for (let i = 0; i < n; i++) o[i] = x[i] / y[i];
  }
}

function scalarRightRun(op: 'add' | 'sub' | 'mul' | 'div', out: Float32Array, start: number, count: number, a: Float32Array, ao: number, v: number): void {
  const o = out.subarray(start, start + count);
  const x = a.subarray(ao, ao + count);
  const n = o.length;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) o[i] = x[i] + v;
      return;
    case 'sub':
      for (let i = 0; i < n; i++) o[i] = x[i] - v;
      return;
    case 'mul':
      for (let i = 0; i < n; i++) o[i] = x[i] * v;
      return;
    case 'div':
      for (let i = 0; i < n; i++) o[i] = x[i] / v;
  }
}

/** One run of a comparison into a u8 mask (kept apart so binaryRun's stores stay monomorphic f32). */
export function compareRun(
  op: BinaryOp, out: Uint8Array, start: number, count: number,
  a: Float32Array, ao: number, as: number, b: Float32Array, bo: number, bs: number,
): void {
  const fn = BINARY_FNS[op];
  for (let i = 0; i < count; i++) out[start + i] = fn(a[ao + i * as], b[bo + i * bs]);
}

/** A whole unary op over a flat array, specialised per op for the ones transformer blocks use. */
export function unaryLoop(op: UnaryOp, x: Float32Array, out: Float32Array): void {
  const n = x.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
    case 'square':
      for (let i = 0; i < n; i++) out[i] = x[i] * x[i];
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      return;
    case 'rsqrt':
      for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
      return;
    case 'gelu_tanh':
      for (let i = 0; i < n; i++) out[i] = geluTanh(x[i]);
      return;
    case 'gelu_tanh_grad':
      for (let i = 0; i < n; i++) out[i] = geluTanhGrad(x[i]);
      return;
    default: {
      const fn = UNARY_FNS[op];
      for (let i = 0; i < n; i++) out[i] = fn(x[i]);
    }
  }
}
