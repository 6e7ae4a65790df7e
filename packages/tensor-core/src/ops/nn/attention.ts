import { TensorError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tensor } from '../creation.js';
import { where } from '../elementwise/where.js';
import { matmul } from '../linalg/matmul.js';
import { flashAttention } from './flash-attention.js';
import { softmax } from './softmax.js';

/** Options of scaled-dot-product attention (PyTorch semantics). */
export interface AttentionOptions {
  /** Boolean mask (u8; non-zero = may attend) or an additive float mask, broadcast to [..., Lq, Lk]. */
  mask?: Tensor | null;
  /** Mask out keys after each query position (top-left aligned, like PyTorch). */
  isCausal?: boolean;
  /** Defaults to 1 / sqrt(head dim). */
  scale?: number;
}

/** softmax(q k^T * scale + mask) v for q [..., Lq, D], k [..., Lk, D], v [..., Lk, Dv]. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const d = q.shape[q.ndim - 1];
  if (k.shape[k.ndim - 1] !== d || k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new TensorError(`attention: q [${q.shape}], k [${k.shape}], v [${v.shape}] do not agree (head dims and key lengths must match)`);
  }
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  const fused = flashAttention(q, k, v, scale, opts.isCausal ?? false, opts.mask);
  if (fused) return fused;
  let scores = matmul(q, k, { transB: true }).mul(scale);
  if (opts.isCausal) {
    const lq = q.shape[q.ndim - 2];
    const lk = k.shape[k.ndim - 2];
    const tri = new Uint8Array(lq * lk);
    for (let i = 0; i < lq; i++) for (let j = 0; j <= Math.min(i, lk - 1); j++) tri[i * lk + j] = 1;
    scores = where(tensor(tri, [lq, lk], { dtype: 'u8', device: q.device }), scores, -Infinity);
  }
  if (opts.mask) scores = opts.mask.dtype === 'u8' ? where(opts.mask, scores, -Infinity) : scores.add(opts.mask);
  return matmul(softmax(scores, -1), v);
}

