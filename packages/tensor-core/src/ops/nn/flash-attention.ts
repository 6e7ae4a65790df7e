import type { AttentionKernelParams } from '../../device/backend.js';
import { sameShape, shapeSize } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { asF32, cast } from '../cast.js';
import { where } from '../elementwise/where.js';
import { expand } from '../layout/expand.js';
import { reshape } from '../layout/reshape.js';
import { resultTensor, runF32 } from '../op-result.js';

/** An additive f32 mask laid out as the kernel reads it: one [Lq, Lk] block per group of heads. */
function kernelMask(mask: Tensor, lead: readonly number[], lq: number, lk: number): { mask: Tensor; stride: number; group: number } | null {
  if (mask.ndim > lead.length + 2) return null;
  const padded = [...new Array(lead.length + 2 - mask.ndim).fill(1), ...mask.shape];
  const mlead = padded.slice(0, -2);
  if (mlead.some((d, i) => d !== 1 && d !== lead[i])) return null;
  const additive = mask.dtype === 'u8' ? where(mask, 0, -Infinity) : cast(mask, 'f32');
  const grid = reshape(additive, padded);
  if (mlead.every((d) => d === 1)) return { mask: expand(grid, [...mlead, lq, lk]), stride: 0, group: 1 };
  const last = lead.length - 1;
  if (mlead[last] === 1) {
    // The usual padding mask [B, 1, 1, Lk]: one block per sample, shared by its heads.
    return { mask: expand(grid, [...lead.slice(0, last), 1, lq, lk]), stride: lq * lk, group: lead[last] };
  }
  return { mask: expand(grid, [...lead, lq, lk]), stride: lq * lk, group: 1 };
}

/**
 * Attention through the backend's fused kernel (no score matrix kept; the backward recomputes
 * probabilities from the saved logsumexp), or null when the backend or the inputs do not fit it
 * (then the caller composes it from matmul and softmax).
 */
export function flashAttention(q: Tensor, k: Tensor, v: Tensor, scale: number, causal: boolean, mask: Tensor | null | undefined): Tensor | null {
  const backend = q.device.backend;
  if (!backend.flashAttention || !backend.flashAttentionBackward) return null;
  if (q.dtype !== 'f32' || k.dtype !== 'f32' || v.dtype !== 'f32' || q.ndim < 3 || k.ndim !== q.ndim || v.ndim !== q.ndim) return null;
  const lead = q.shape.slice(0, -2);
  if (!sameShape(lead, k.shape.slice(0, -2)) || !sameShape(lead, v.shape.slice(0, -2))) return null;
  const [lq, d] = q.shape.slice(-2);
  const lk = k.shape[k.ndim - 2];
  if (v.shape[v.ndim - 1] !== d || lq === 0 || lk === 0) return null;
  if (backend.maxFlashAttentionHeadDim !== undefined && d > backend.maxFlashAttentionHeadDim) return null;
  const m = mask ? kernelMask(mask, lead, lq, lk) : null;
  if (mask && !m) return null;
  const params: AttentionKernelParams = {
    batchHeads: shapeSize(lead), seqQ: lq, seqK: lk, headDim: d, scale, causal,
    mask: m ? m.mask.storage : null, maskBatchStride: m?.stride ?? 0, maskGroup: m?.group ?? 1,
  };
  let lse: Tensor | null = null;
  const out: Tensor = runF32(
    'attention',
    [q, k, v],
    ([sq, sk, sv], device) => {
      const r = device.backend.flashAttention!(sq, sk, sv, params);
      lse = resultTensor('lse', r.lse, [params.batchHeads, lq], 'f32', device, []);
      return r.out;
    },
    q.shape,
    (g) => {
      const g32 = asF32(g);
      const r = backend.flashAttentionBackward!(q.storage, k.storage, v.storage, out.storage, g32.storage, lse!.storage, params);
      return [
        resultTensor('dq', r.dq, q.shape, 'f32', q.device, []),
        resultTensor('dk', r.dk, k.shape, 'f32', q.device, []),
        resultTensor('dv', r.dv, v.shape, 'f32', q.device, []),
      ];
    },
  );
  return out;
}
