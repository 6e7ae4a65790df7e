import type { UnaryOp } from '../../device/backend.js';
import { UNARY_FNS } from './cpu-elementwise.js';

/**
 * Applies a matmul epilogue in place over `rows` x `n` products: ab = act(alpha * ab + into + bias),
 * one pass while the rows are warm instead of separate scale / add / bias / activation ops.
 */
export function applyEpilogue(
  ab: Float32Array, rows: number, n: number,
  alpha: number, into: Float32Array | null, bias: Float32Array | null, activation: UnaryOp | null,
): void {
  if (alpha === 1 && !into && bias && !activation) {
    // The linear-layer case: keep it a tight loop.
    for (let r = 0; r < rows; r++) {
      const o = ab.subarray(r * n, r * n + n);
      for (let j = 0; j < n; j++) o[j] += bias[j];
    }
    return;
  }
  const act = activation ? UNARY_FNS[activation] : null;
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    for (let j = 0; j < n; j++) {
      let v = alpha * ab[base + j];
      if (into) v += into[base + j];
      if (bias) v += bias[j];
      ab[base + j] = act ? act(v) : v;
    }
  }
}
