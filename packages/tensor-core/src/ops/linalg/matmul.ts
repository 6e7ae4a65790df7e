import { TensorError } from '../../errors.js';
import { broadcastShapes, shapeSize } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { expand } from '../layout/expand.js';
import { reshape } from '../layout/reshape.js';
import { runF32 } from '../op-result.js';
import { sumToShape } from '../reduce/sum-to-shape.js';

/** Transpose flags: op(A) = A^T when transA (A stored as [..., k, m]); likewise B as [..., n, k]. */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/** Broadcast batch handling: returns the operand (maybe expanded) and its batch stride (0 = shared). */
function batchOperand(t: Tensor, batchShape: readonly number[], rows: number, cols: number): { t: Tensor; stride: number } {
  const own = t.shape.slice(0, -2);
  const batch = shapeSize(batchShape);
  if (shapeSize(own) === 1) return { t, stride: 0 };
  if (own.length === batchShape.length && own.every((d, i) => d === batchShape[i])) return { t, stride: rows * cols };
  const full = expand(t, [...batchShape, rows, cols]);
  return { t: full, stride: batch > 1 ? rows * cols : 0 };
}

/**
 * Matrix product with NumPy/PyTorch rules: 1-D operands are vectors, leading dims broadcast as
 * batch, and transposes are free flags (no copy) that the kernels read directly.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  if (a.ndim === 0 || b.ndim === 0) throw new TensorError(`matmul: operands must have at least 1 dim, got [${a.shape}] and [${b.shape}]`);
  const a2 = a.ndim === 1 ? reshape(a, transA ? [a.shape[0], 1] : [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, transB ? [1, b.shape[0]] : [b.shape[0], 1]) : b;
  const [ar, ac] = a2.shape.slice(-2);
  const [br, bc] = b2.shape.slice(-2);
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) {
    throw new TensorError(`matmul: inner dims differ: [${a.shape}]${transA ? '^T' : ''} @ [${b.shape}]${transB ? '^T' : ''} (${k} vs ${kb})`);
  }
  const batchShape = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), 'matmul batch');
  const batch = shapeSize(batchShape);
  const A = batchOperand(a2, batchShape, ar, ac);
  const B = batchOperand(b2, batchShape, br, bc);
  let outShape: number[] = [...batchShape, m, n];
  if (a.ndim === 1) outShape = [...batchShape, n];
  if (b.ndim === 1) outShape = a.ndim === 1 ? [...batchShape] : [...batchShape, m];
  const needsA = a.requiresGrad;
  const needsB = b.requiresGrad;
  const out = runF32(
    'matmul',
    [A.t, B.t],
    ([sa, sb], d) => d.backend.matmul(sa, sb, { batch, m, n, k, transA, transB, aBatchStride: A.stride, bBatchStride: B.stride }),
    outShape,
    (g) => {
      const g2 = reshape(g, [...batchShape, m, n]);
      const ga = needsA ? (transA ? matmul(b2, g2, { transA: transB, transB: true }) : matmul(g2, b2, { transB: !transB })) : null;
      const gb = needsB ? (transB ? matmul(g2, a2, { transA: true, transB: transA }) : matmul(a2, g2, { transA: !transA })) : null;
      return [ga && reshape(sumToShape(ga, a2.shape), a.shape), gb && reshape(sumToShape(gb, b2.shape), b.shape)];
    },
    undefined,
    { keepF16: a.device.backend.halfMatmulOperands === true },
  );
  if (out.gradNode) out.gradNode = { ...out.gradNode, inputs: [a, b] };
  if (A.t !== a2) A.t.dispose();
  if (B.t !== b2) B.t.dispose();
  return out;
}
