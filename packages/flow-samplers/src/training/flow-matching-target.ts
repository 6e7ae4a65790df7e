import { tensor, type Tensor } from '@loraflow/tensor-core';
import { FlowSamplersError } from '../flow-samplers-error.js';

// These helpers sit inside a training step's autograd graph, so they must not open their own tidy
// scope (disposing intermediates would cut the graph); the caller's step-level tidy frees them.

// Per-sample sigmas as a [B, 1, ..., 1] tensor that broadcasts over a [B, ...] batch.
function batchColumn(values: number | ArrayLike<number>, like: Tensor, name: string): Tensor | number {
  if (typeof values === 'number') return values;
  if (values.length !== like.shape[0]) {
    throw new FlowSamplersError(`${name}: got ${values.length} per-sample values for a batch of shape [${like.shape}] (expected ${like.shape[0]})`);
  }
  return tensor(Array.from(values), [values.length, ...like.shape.slice(1).map(() => 1)], { device: like.device });
}

function sameShape(a: Tensor, b: Tensor, name: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new FlowSamplersError(`${name}: x0 has shape [${a.shape}] but noise has shape [${b.shape}]`);
  }
}

/** The noised training input x_t = (1 - sigma) x0 + sigma noise; sigma is one number or one per batch entry (axis 0). */
export function noisyInput(x0: Tensor, noise: Tensor, sigma: number | ArrayLike<number>): Tensor {
  sameShape(x0, noise, 'noisyInput');
  const s = batchColumn(sigma, x0, 'noisyInput');
  const keep = typeof s === 'number' ? 1 - s : s.neg().add(1);
  return x0.mul(keep).add(noise.mul(s));
}

/** The flow-matching regression target (the velocity) noise - x0. */
export function velocityTarget(x0: Tensor, noise: Tensor): Tensor {
  sameShape(x0, noise, 'velocityTarget');
  return noise.sub(x0);
}

/** Mean squared error with a per-sample weight: mean over everything of w_b (pred - target)^2 (the SD3/diffusers weighted MSE). */
export function weightedMseLoss(pred: Tensor, target: Tensor, weights?: number | ArrayLike<number>): Tensor {
  if (pred.shape.length !== target.shape.length || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new FlowSamplersError(`weightedMseLoss: pred has shape [${pred.shape}] but target has shape [${target.shape}]`);
  }
  const sq = pred.sub(target).square();
  if (weights === undefined) return sq.mean();
  const w = batchColumn(weights, pred, 'weightedMseLoss');
  return sq.mul(w).mean();
}
