import type { Generator } from '@loraflow/tensor-core';
import { LoraError } from '../lora-error.js';

/** Hyper-parameters of one LoRA adapter on a layer (kohya sd-scripts names in comments). */
export interface LoraOptions {
  /** Rank of linear and 1x1 conv adapters (network_dim). */
  rank?: number;
  /** alpha; scale = alpha / rank (network_alpha; undefined or 0 means alpha = rank). */
  alpha?: number;
  /** Rank of k x k conv adapters (conv_dim; default: rank). */
  convRank?: number;
  /** alpha of k x k conv adapters (conv_alpha; default: convRank). */
  convAlpha?: number;
  /** Dropout on the down projection's output, training only. */
  dropout?: number;
  /** Probability of masking each rank channel per sample, training only (rescaled by 1/(1-p)). */
  rankDropout?: number;
  /** Probability of skipping the whole adapter for a step, training only. */
  moduleDropout?: number;
  /** Give the up projection a bias (kohya has none; PEFT's lora_bias). */
  upBias?: boolean;
  /** Runtime LoRA scale (0 = base model only). */
  multiplier?: number;
  /** Seed of the stream that initialises `down` and draws dropout masks. */
  seed?: number;
  /** Or a generator to continue (wins over seed). */
  generator?: Generator;
}

/** Defaults of every adapter option, in one place. */
export const LORA_DEFAULTS = {
  rank: 4,
  alpha: 0,
  convRank: 0,
  convAlpha: 0,
  dropout: 0,
  rankDropout: 0,
  moduleDropout: 0,
  upBias: false,
  multiplier: 1,
  seed: 0,
} satisfies Required<Omit<LoraOptions, 'generator'>>;

/** Options with defaults applied and rank/alpha chosen for the layer (k x k convs use convRank/convAlpha). */
export interface ResolvedLoraOptions {
  rank: number;
  alpha: number;
  dropout: number;
  rankDropout: number;
  moduleDropout: number;
  upBias: boolean;
  multiplier: number;
}

const prob = (name: string, p: number, where: string) => {
  if (!(p >= 0 && p < 1)) throw new LoraError(`${where}: ${name} must be in [0, 1), got ${p}`);
  return p;
};

/** Applies defaults; `kxk` selects the conv rank. Throws naming the option when a value is out of range. */
export function resolveLoraOptions(opts: LoraOptions, kxk: boolean, where: string): ResolvedLoraOptions {
  const o = { ...LORA_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
  const rank = kxk && o.convRank ? o.convRank : o.rank;
  const alphaIn = kxk && o.convRank ? o.convAlpha : o.alpha;
  if (!Number.isInteger(rank) || rank < 1) throw new LoraError(`${where}: ${kxk ? 'convRank' : 'rank'} must be a positive integer, got ${rank}`);
  if (!Number.isFinite(alphaIn)) throw new LoraError(`${where}: alpha must be a finite number, got ${alphaIn}`);
  return {
    rank,
    alpha: alphaIn === 0 ? rank : alphaIn,
    dropout: prob('dropout', o.dropout, where),
    rankDropout: prob('rankDropout', o.rankDropout, where),
    moduleDropout: prob('moduleDropout', o.moduleDropout, where),
    upBias: o.upBias,
    multiplier: o.multiplier,
  };
}
