/**
 * When a matmul splits its reduction (split-K): an output of few workgroups walking a long K
 * leaves most of a GPU idle, so K is cut into slices whose partial products are summed by a
 * second kernel. The thresholds are for real GPUs (README, Matmul); lavapipe is not the target.
 */

/** Workgroups that fill a discrete GPU with a few per compute unit (~100 units, 2-3 workgroups each). */
export const SPLIT_K_TARGET_WORKGROUPS = 256;
/** Shortest K slice of the heuristic: the partial's store and reload stay small next to its multiply-adds. */
export const SPLIT_K_MIN_SLICE = 512;
/** Most slices the heuristic picks (the reduction reads every partial once per output). */
export const SPLIT_K_MAX_SLICES = 32;

/** A split of K into `slices` runs of `chunk` (a multiple of 4; the last may be shorter, none empty). */
export interface SplitKPlan {
  readonly slices: number;
  readonly chunk: number;
}

/**
 * The split for a matmul of `workgroups` block workgroups (all batches) over reduction length `k`:
 * `forced` null lets the heuristic choose (split while the output has fewer than
 * SPLIT_K_TARGET_WORKGROUPS, into enough slices to reach it, each at least SPLIT_K_MIN_SLICE long),
 * 1 never splits, s >= 2 asks for s slices. `maxSlices` caps both (partial-buffer size, dispatch
 * limits). Null means the plain kernel.
 */
export function splitKPlan(workgroups: number, k: number, forced: number | null, maxSlices: number): SplitKPlan | null {
  let slices: number;
  if (forced !== null) slices = Math.floor(forced);
  else if (workgroups >= SPLIT_K_TARGET_WORKGROUPS) return null;
  else slices = Math.min(Math.ceil(SPLIT_K_TARGET_WORKGROUPS / workgroups), Math.floor(k / SPLIT_K_MIN_SLICE), SPLIT_K_MAX_SLICES);
  slices = Math.min(slices, maxSlices, Math.ceil(k / 4));
  if (!(slices >= 2)) return null;
  const chunk = 4 * Math.ceil(k / slices / 4);
  // Rounding the chunk up to 4 can leave trailing slices empty: drop them.
  slices = Math.ceil(k / chunk);
  return slices >= 2 ? { slices, chunk } : null;
}
