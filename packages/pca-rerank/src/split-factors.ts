import type { SplitMode } from './rerank-options.js';

/**
 * Builds float32 factors of rank `rankOut` from the first `kept` singular triplets, zero-padding
 * the rest: `up` row-major `rows x rankOut` from column-major `u`, `down` row-major
 * `rankOut x cols` from column-major `v` (whose columns are the down rows).
 */
export function splitFactors(
  u: Float64Array,
  s: ArrayLike<number>,
  v: Float64Array,
  shape: { rows: number; cols: number; kept: number; rankOut: number },
  split: SplitMode,
): { up: Float32Array; down: Float32Array } {
  const { rows, cols, kept, rankOut } = shape;
  const up = new Float32Array(rows * rankOut);
  const down = new Float32Array(rankOut * cols);
  for (let j = 0; j < kept; j++) {
    const sj = s[j];
    const upScale = split === 'sqrt' ? Math.sqrt(sj) : split === 'down' ? 1 : sj;
    const downScale = split === 'sqrt' ? Math.sqrt(sj) : split === 'down' ? sj : 1;
    for (let i = 0; i < rows; i++) up[i * rankOut + j] = u[j * rows + i] * upScale;
    for (let c = 0; c < cols; c++) down[j * cols + c] = v[j * cols + c] * downScale;
  }
  return { up, down };
}
