import type { Tensor } from '@loraflow/tensor-core';
import { cfgCombine, normRescaledCfg } from './cfg.js';
import { FlowSamplersError } from '../flow-samplers-error.js';
import type { VelocityModel } from './velocity-model.js';

/** Positive and (optional) negative conditioning for a guided model; without `neg` no CFG is run. */
export interface GuidedCond<C> {
  pos: C;
  neg?: C;
}

/** Options of {@link guidedModel}; unspecified keys take {@link GUIDANCE_DEFAULTS}. */
export interface GuidanceOptions {
  /** Guidance scale (diffusers' true_cfg_scale); <= 1 means a single positive call per evaluation. */
  scale: number;
  /** 'none' = plain CFG; 'norm' = Qwen-Image's per-token norm rescale to the positive prediction's norm. */
  rescale: 'none' | 'norm';
  /** Channel axes the per-token norm is taken over: [-1] for [B, tokens, C], [1] for [B, C, H, W]. */
  normAxes: readonly number[];
  /** Guidance runs only for sigma in [low, high] (inclusive); elsewhere one positive call. */
  interval: readonly [number, number];
  /** LoRA multiplier passed to the model on the positive branch. */
  posLoraScale: number;
  /** LoRA multiplier passed to the model on the negative branch. */
  negLoraScale: number;
}

/** Defaults of {@link GuidanceOptions}: Qwen-Image's norm-rescaled true CFG at scale 4 on the whole schedule. */
export const GUIDANCE_DEFAULTS: Readonly<GuidanceOptions> = Object.freeze({
  scale: 4,
  rescale: 'norm',
  normAxes: [-1],
  interval: [0, 1],
  posLoraScale: 1,
  negLoraScale: 1,
} satisfies GuidanceOptions);

/** Whether guidance (two model calls) runs at this sigma. */
export function guidanceActive(options: Pick<GuidanceOptions, 'scale' | 'interval'>, sigma: number, hasNeg: boolean): boolean {
  return hasNeg && options.scale > 1 && sigma >= options.interval[0] && sigma <= options.interval[1];
}

/**
 * Wraps a velocity model with classifier-free guidance; the wrapper takes {pos, neg} conditioning and calls
 * the model with `{ branch, loraScale }` so a LoRA can run at different multipliers on each branch.
 */
export function guidedModel<C>(model: VelocityModel<C>, options: Partial<GuidanceOptions> = {}): VelocityModel<GuidedCond<C>> {
  const opts: GuidanceOptions = { ...GUIDANCE_DEFAULTS, ...options };
  const [lo, hi] = opts.interval;
  if (!(lo <= hi)) throw new FlowSamplersError(`guidedModel: interval must be [low, high] with low <= high, got [${lo}, ${hi}]`);
  if (!Number.isFinite(opts.scale)) throw new FlowSamplersError(`guidedModel: scale must be a finite number, got ${opts.scale}`);
  return async (x: Tensor, sigma: number, cond: GuidedCond<C>) => {
    if (cond === null || typeof cond !== 'object' || !('pos' in cond)) throw new FlowSamplersError('guidedModel: cond must be { pos, neg? }');
    const pos = await model(x, sigma, cond.pos, { branch: 'pos', loraScale: opts.posLoraScale });
    if (!guidanceActive(opts, sigma, cond.neg !== undefined)) return pos;
    let neg: Tensor | undefined;
    try {
      neg = await model(x, sigma, cond.neg as C, { branch: 'neg', loraScale: opts.negLoraScale });
      return opts.rescale === 'norm' ? normRescaledCfg(pos, neg, opts.scale, opts.normAxes) : cfgCombine(pos, neg, opts.scale);
    } finally {
      pos.dispose();
      neg?.dispose();
    }
  };
}
