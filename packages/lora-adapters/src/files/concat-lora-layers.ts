import { quoteForMessage } from '@loraflow/tensor-core';
import type { SafetensorsDType } from '@loraflow/tensor-core';
import { checkLayerShapes } from './check-layer-shapes.js';
import { LoraError } from '../lora-error.js';
import { f32ToRaw, rawToF32 } from './lora-factor-codec.js';
import { loraScale, type LoraLayer } from '../lora-layer.js';

/** A layer and the weight its delta gets in a concatenation merge. */
export interface WeightedLoraLayer {
  readonly layer: LoraLayer;
  readonly weight: number;
}

/** Options of a concatenation merge. */
export interface ConcatOptions {
  /** Output dtype of every factor (default: the first layer's down dtype). */
  dtype?: SafetensorsDType;
  /** Prefix for error messages (file names). */
  where?: string;
}

/**
 * Merges LoRAs of one module by concatenating along rank (DiffSynth's i2L merge): down factors stack
 * on axis 0 and up factors side by side on axis 1, so delta = sum_i weight_i * delta_i exactly.
 * Each part's weight and its own alpha/rank are folded into its down rows and the result has
 * alpha = total rank (scale 1), so differing alphas keep their effective deltas (kohya's concat
 * instead keeps the first alpha, which rescales the others).
 */
export function concatLoraLayers(parts: readonly WeightedLoraLayer[], opts: ConcatOptions = {}): LoraLayer {
  const where = opts.where ?? 'concat';
  if (parts.length === 0) throw new LoraError(`${where}: nothing to concatenate`);
  const first = parts[0].layer;
  const g0 = checkLayerShapes(first, where);
  const geos = parts.map(({ layer }) => {
    const g = checkLayerShapes(layer, where);
    if (layer.module !== first.module) throw new LoraError(`${where}: cannot concatenate modules ${quoteForMessage(first.module)} and ${quoteForMessage(layer.module)}`);
    if (g.kind !== g0.kind || g.inFeatures !== g0.inFeatures || g.outFeatures !== g0.outFeatures || g.kernel[0] !== g0.kernel[0] || g.kernel[1] !== g0.kernel[1]) {
      throw new LoraError(
        `${where}: module ${quoteForMessage(layer.module)}: ${g.kind} ${g.inFeatures}->${g.outFeatures} kernel ${g.kernel.join('x')} does not match ` +
          `${g0.kind} ${g0.inFeatures}->${g0.outFeatures} kernel ${g0.kernel.join('x')} of the first LoRA`,
      );
    }
    return g;
  });
  const dtype = opts.dtype ?? first.down.dtype;
  const cols = g0.inFeatures * g0.kernel[0] * g0.kernel[1];
  const rank = geos.reduce((n, g) => n + g.rank, 0);
  const down = new Float32Array(rank * cols);
  const up = new Float32Array(g0.outFeatures * rank);
  let bias: Float32Array | undefined;
  let r0 = 0;
  parts.forEach(({ layer, weight }, i) => {
    const r = geos[i].rank;
    const f = weight * loraScale(layer);
    const d = rawToF32(layer.down, `${where} ${quoteForMessage(layer.module)} down`);
    for (let j = 0; j < r * cols; j++) down[r0 * cols + j] = d[j] * f;
    const u = rawToF32(layer.up, `${where} ${quoteForMessage(layer.module)} up`);
    for (let o = 0; o < g0.outFeatures; o++) for (let j = 0; j < r; j++) up[o * rank + r0 + j] = u[o * r + j];
    if (layer.upBias) {
      const b = rawToF32(layer.upBias, `${where} ${quoteForMessage(layer.module)} up bias`);
      bias ??= new Float32Array(g0.outFeatures);
      for (let o = 0; o < b.length; o++) bias[o] += b[o] * f;
    }
    r0 += r;
  });
  const conv = g0.kind === 'conv';
  return {
    module: first.module,
    resolved: first.resolved,
    kind: g0.kind,
    kernel: g0.kernel,
    rank,
    alpha: rank,
    down: f32ToRaw(down, conv ? [rank, g0.inFeatures, g0.kernel[0], g0.kernel[1]] : [rank, g0.inFeatures], dtype),
    up: f32ToRaw(up, conv ? [g0.outFeatures, rank, 1, 1] : [g0.outFeatures, rank], dtype),
    ...(bias ? { upBias: f32ToRaw(bias, [g0.outFeatures], dtype) } : {}),
  };
}
