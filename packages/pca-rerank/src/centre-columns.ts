/**
 * The up factor of the column-centred delta: `W - 1 mean_row(W) = (B - 1 mean_row(B)) A`,
 * so centring the columns of `B @ A` (what torch.pca_lowrank does with `center=True`)
 * only needs B's column means. Also returns the mean row's up coordinates, whose norm feeds
 * the error bound of the `pca` split.
 */
export function centredUp(up: Float32Array, rows: number, rank: number): { up: Float64Array; mean: Float64Array } {
  const mean = new Float64Array(rank);
  for (let i = 0; i < rows; i++) for (let j = 0; j < rank; j++) mean[j] += up[i * rank + j];
  for (let j = 0; j < rank; j++) mean[j] /= rows;
  const centred = new Float64Array(rows * rank);
  for (let i = 0; i < rows; i++) for (let j = 0; j < rank; j++) centred[i * rank + j] = up[i * rank + j] - mean[j];
  return { up: centred, mean };
}
