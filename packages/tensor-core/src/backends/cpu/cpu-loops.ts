import type { BinaryOp, UnaryOp } from '../../device/backend.js';
import { BINARY_FNS, UNARY_FNS } from './cpu-elementwise.js';
import { geluTanh } from './scalar-math.js';

/**
 * One run of a binary op with the op chosen outside the loop: V8 keeps each case a tight,
 * monomorphic loop instead of an indirect call per element.
 */
export function binaryRun(
  op: BinaryOp, out: Float32Array, start: number, count: number,
  a: Float32Array, ao: number, as: number, b: Float32Array, bo: number, bs: number,
): void {
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
    default: {
      const fn = UNARY_FNS[op];
      for (let i = 0; i < n; i++) out[i] = fn(x[i]);
    }
  }
}
