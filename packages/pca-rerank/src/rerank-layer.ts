import { centredUp } from './centre-columns.js';
import { chooseRank } from './choose-rank.js';
import { denseMaxAbsError, factoredErrorNorms } from './factored-error.js';
import { factoredSvd } from './factored-svd.js';
import type { LayerReport } from './layer-report.js';
import { loraScale } from '@loraflow/lora-adapters';
import { viewColumns, type F32LoraLayer } from './f32-lora-layer.js';
import { validateRankRule } from './rank-rule.js';
import { RerankError } from './rerank-error.js';
import { resolveRerankOptions, type RerankOptions } from './rerank-options.js';
import { splitFactors } from './split-factors.js';
import { fillTrainablePadding, layerSeed } from './trainable-padding.js';

/** A re-ranked layer and the report of what changed. */
export interface RerankedLayer {
  readonly layer: F32LoraLayer;
  readonly report: LayerReport;
}

/**
 * Re-decomposes one layer's delta at a new rank with an exact truncated SVD of `up @ down`
 * (never forming the out x in matrix). The new alpha is `alpha * rankOut / rankIn`, so the scale
 * `alpha / rank` and hence the meaning of the file's other settings are unchanged.
 * A fixed rank is always honoured exactly: components the layer does not have (rank above the
 * current one, or fewer non-zero singular values) are padding (see `pad`). A dynamic rule keeps at
 * least rank 1, so an all-zero layer comes out as a rank-1 zero layer and every key survives.
 */
export function rerankLayer(layer: F32LoraLayer, options: RerankOptions): RerankedLayer {
  const opts = resolveRerankOptions(options);
  validateRankRule(opts.rule);
  if (!(opts.maxRank >= 1)) throw new RerankError(`maxRank ${opts.maxRank}: expected >= 1`);
  checkLayer(layer);
  const rows = layer.outDim;
  const cols = viewColumns(layer);
  const scale = loraScale(layer);
  const centring = opts.split === 'pca' ? centredUp(layer.up, rows, layer.rank) : null;
  const svd = factoredSvd(centring?.up ?? layer.up, layer.down, rows, cols, layer.rank);
  // Singular values below this are rounding noise of the float64 QR, not directions of the delta.
  const tol = (svd.s[0] ?? 0) * Math.max(rows, cols) * Number.EPSILON * 4;
  let nonZero = 0;
  while (nonZero < svd.s.length && svd.s[nonZero] > tol) nonZero++;
  const values = svd.s.subarray(0, nonZero);
  // A rank above min(out, in x kernel) adds only padding with no direction left to learn, and a
  // careless --rank 100000 would otherwise allocate gigabytes: cap it and report the cap. A file
  // already above that rank keeps its own (no bigger than the input, and uniform ranks survive).
  const possibleRank = Math.max(Math.min(rows, cols), layer.rank);
  const ruled = chooseRank(values, opts.rule, opts.maxRank);
  const asked = opts.rule.method === 'fixed' ? ruled : Math.max(ruled, 1);
  const rankOut = Math.min(asked, possibleRank);
  const chosen = Math.min(ruled, rankOut);
  const kept = Math.min(chosen, nonZero);
  const factors = splitFactors(
    svd.leftVectors(kept),
    values,
    svd.rightVectors(kept),
    { rows, cols, kept, rankOut },
    opts.split === 'pca' ? 'up' : opts.split,
  );
  if (opts.pad === 'trainable' && kept < rankOut) fillTrainablePadding(factors.down, cols, kept, rankOut, layerSeed(opts.seed, layer.name));
  const alphaOut = layer.rank > 0 ? (layer.alpha * rankOut) / layer.rank : rankOut;
  const out: F32LoraLayer = { ...layer, up: factors.up, down: factors.down, rank: rankOut, alpha: alphaOut };
  const before = { up: layer.up, down: layer.down, rank: layer.rank, scale };
  const after = { up: out.up, down: out.down, rank: rankOut, scale };
  // ||W||^2 = sum S^2, and for the centred split ||W||^2 = ||W_c||^2 + rows ||mean row||^2.
  const meanRowNorm = centring ? Math.sqrt(rows) * meanRowLength(centring.mean, layer.down, layer.rank, cols) : 0;
  let spectrumNormSq = meanRowNorm * meanRowNorm;
  for (const x of svd.s) spectrumNormSq += x * x;
  const { deltaNorm, errorNorm } = factoredErrorNorms(before, after, rows, cols, scale * scale * spectrumNormSq);
  const rel = deltaNorm > 0 ? errorNorm / deltaNorm : 0;
  const report: LayerReport = {
    name: layer.name,
    shape: [rows, cols],
    rankIn: layer.rank,
    rankOut,
    rankCappedFrom: asked > rankOut ? asked : null,
    keptRank: kept,
    alphaIn: layer.alpha,
    alphaOut,
    singularValues: Array.from(values, (x) => Math.abs(scale) * x),
    deltaNorm,
    errorNorm,
    relFroError: rel,
    energyRetained: 1 - rel * rel,
    maxAbsErrorBound: Math.abs(scale) * ((values[kept] ?? 0) + meanRowNorm),
    maxAbsError: opts.exactMaxAbsError ? denseMaxAbsError(before, after, rows, cols) : null,
  };
  return { layer: out, report };
}

function checkLayer(layer: F32LoraLayer): void {
  const cols = viewColumns(layer);
  const { name, rank, outDim } = layer;
  if (!Number.isInteger(rank) || rank < 0) throw new RerankError(`layer "${name}": rank ${rank}, expected an integer >= 0`);
  if (layer.up.length !== outDim * rank) {
    throw new RerankError(`layer "${name}": up has ${layer.up.length} values, expected out ${outDim} x rank ${rank}`);
  }
  if (layer.down.length !== rank * cols) {
    throw new RerankError(`layer "${name}": down has ${layer.down.length} values, expected rank ${rank} x ${cols} (in x kernel)`);
  }
  if (!Number.isFinite(layer.alpha)) throw new RerankError(`layer "${name}": alpha ${layer.alpha}, expected a finite number`);
  for (const [side, values] of [['up', layer.up], ['down', layer.down]] as const) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) throw new RerankError(`layer "${name}": ${side}[${i}] is ${values[i]}, expected finite values`);
    }
  }
}

/** `||mean^T A||`: the length of the delta's mean row, from the mean of B's rows. */
function meanRowLength(mean: Float64Array, down: Float32Array, rank: number, cols: number): number {
  let sum = 0;
  for (let c = 0; c < cols; c++) {
    let x = 0;
    for (let l = 0; l < rank; l++) x += mean[l] * down[l * cols + c];
    sum += x * x;
  }
  return Math.sqrt(sum);
}
