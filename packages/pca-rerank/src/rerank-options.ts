import type { RankRule } from './rank-rule.js';
import { checkOptions, option, type OptionRule } from '@loraflow/tensor-core';
import { RerankError } from './rerank-error.js';

/**
 * How the kept singular values are shared between the new factors (`delta = up @ down`):
 * - `sqrt`: `up = U sqrt(S)`, `down = sqrt(S) V^T`. Both factors get the same scale, so gradient
 *   steps move them alike: the right choice for a training initialisation.
 * - `up`:   `up = U S`, `down = V^T` (kohya resize_lora). Down rows are orthonormal; fine for a
 *   file that is only applied, and what kohya-resized files look like.
 * - `down`: `up = U`, `down = S V^T`. Up columns orthonormal; the mirror of `up`.
 * - `pca`:  the Image-to-LoRA reference: centre the delta's columns (subtract the mean row, as
 *   torch.pca_lowrank does), truncate the centred matrix, `up = U S`, `down = V^T`. The mean row
 *   is dropped, so `up @ down` is not the best rank-k approximation of the delta; use it only to
 *   compare with or reproduce that reference.
 */
export type SplitMode = 'sqrt' | 'up' | 'down' | 'pca';

/** Options of `rerankLayer` / `rerankLayers`. */
export interface RerankOptions {
  /** A fixed rank, or a dynamic rule. */
  rule: RankRule;
  /** Upper limit on the new rank (dynamic rules and fixed alike). */
  maxRank?: number;
  split?: SplitMode;
  /**
   * Also compute the exact largest entry error of the delta. It needs every entry of the old and new
   * delta, one row at a time (bounded memory, O(out * in * (r + k)) time), so it is off by default;
   * the report always carries the spectral upper bound.
   */
  exactMaxAbsError?: boolean;
  /**
   * What fills the rank channels a layer does not have (target rank above its rank or above its
   * number of non-zero singular values): `zeros` in both factors, or `trainable`: random down rows
   * orthogonal to the kept ones with zero up columns. Both leave the delta unchanged; only
   * `trainable` channels receive gradient when the result initialises training.
   */
  pad?: 'zeros' | 'trainable';
  /** Seed of the `trainable` padding (mixed with each layer's name). */
  seed?: number;
}

/** Defaults of every optional field of RerankOptions, in one place. */
export const RERANK_DEFAULTS = {
  maxRank: Infinity,
  split: 'sqrt',
  exactMaxAbsError: false,
  pad: 'zeros',
  seed: 0,
} as const satisfies Required<Omit<RerankOptions, 'rule'>>;

/** RerankOptions with every default filled in. */
export type ResolvedRerankOptions = Required<RerankOptions>;

/** Rules of RerankOptions (see tensor-core's checkOptions). */
export const RERANK_RULES = {
  rule: option.object, maxRank: option.any, split: option.oneOf(['sqrt', 'up', 'down', 'pca']), exactMaxAbsError: option.boolean,
  pad: option.oneOf(['zeros', 'trainable']), seed: option.integer(),
} satisfies Record<string, OptionRule>;

/** Fills RerankOptions' defaults; throws a RerankError naming a bad option. */
export function resolveRerankOptions(options: RerankOptions, where = 'rerank'): ResolvedRerankOptions {
  checkOptions(where, options, RERANK_RULES, (m) => new RerankError(m));
  if (options?.rule === undefined) throw new RerankError(`${where}: option "rule" is missing, expected { method: 'fixed', rank } or a dynamic rule`);
  const maxRank = options.maxRank;
  if (maxRank !== undefined && maxRank !== Infinity && !(Number.isInteger(maxRank) && maxRank >= 1)) {
    throw new RerankError(`${where}: option "maxRank" is ${maxRank}, expected an integer >= 1`);
  }
  return {
    rule: options.rule,
    maxRank: options.maxRank ?? RERANK_DEFAULTS.maxRank,
    split: options.split ?? RERANK_DEFAULTS.split,
    exactMaxAbsError: options.exactMaxAbsError ?? RERANK_DEFAULTS.exactMaxAbsError,
    pad: options.pad ?? RERANK_DEFAULTS.pad,
    seed: options.seed ?? RERANK_DEFAULTS.seed,
  };
}
