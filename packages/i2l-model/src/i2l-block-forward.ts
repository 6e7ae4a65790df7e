import { add, linear, reshape, type Tensor } from '@loraflow/tensor-core';
import { I2lError } from './i2l-error.js';
import type { I2lTarget } from './target-table.js';

/** The two bias-free weights of a two-layer projection: `proj_in` `[mid, in]` then `proj_out` `[out, mid]`. */
export interface ProjectionWeights {
  readonly proj_in: Tensor;
  readonly proj_out: Tensor;
}

/** The weights of one generator block: a proj_a / proj_b pair per target, and the optional residual MLP. */
export interface I2lBlockWeights {
  readonly layers: readonly { readonly proj_a: ProjectionWeights; readonly proj_b: ProjectionWeights }[];
  readonly proj_residual: ProjectionWeights | null;
}

/** Generated factors of one target module for a batch of images: down `[n, rank, in]`, up `[n, out, rank]`. */
export interface GeneratedFactors {
  readonly down: Tensor;
  readonly up: Tensor;
}

/**
 * DiffSynth's block forward for a batch of n images (it runs batch 1; images are independent, so a
 * batch gives the same factors): r = proj_residual.proj_out(flatten(proj_residual.proj_in(R))) from
 * the already scaled residual R `[n, L, width]` (token-major flatten), then per target
 * a = proj_a.proj_out(proj_a.proj_in(x) + r) viewed `[rank, in]` and b likewise viewed `[out, rank]`.
 * The same code serves training (autograd through every op) and the streaming decoder.
 */
export function i2lBlockForward(w: I2lBlockWeights, targets: readonly I2lTarget[], rank: number, x: Tensor, residual: Tensor | null): GeneratedFactors[] {
  if (w.layers.length !== targets.length) throw new I2lError(`i2L block: ${w.layers.length} layers for ${targets.length} targets`);
  const n = x.shape[0];
  let r: Tensor | null = null;
  if (w.proj_residual) {
    if (!residual) throw new I2lError('i2L block: this model has a residual path (Coarse / Fine) but no residual was given');
    const hidden = linear(residual, w.proj_residual.proj_in);
    r = linear(reshape(hidden, [n, hidden.shape[1] * hidden.shape[2]]), w.proj_residual.proj_out);
  }
  const generate = (p: ProjectionWeights): Tensor => {
    const h = linear(x, p.proj_in);
    return linear(r ? add(h, r) : h, p.proj_out);
  };
  return targets.map((t, j) => ({
    down: reshape(generate(w.layers[j].proj_a), [n, rank, t.inFeatures]),
    up: reshape(generate(w.layers[j].proj_b), [n, t.outFeatures, rank]),
  }));
}
